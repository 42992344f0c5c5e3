// Vocal removal with a user's ONNX separation model (a stand-in exported from PyTorch here):
// the cache then holds the accompaniment's features.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { CacheIndex } from '../../src/dataset/cache-index.js';
import { DEMUCS_DEFAULTS, VocalRemover } from '../../src/dataset/vocal-removal.js';
import { writeWav } from '../../src/media/wav.js';
import { sine } from '../../src/synth/signals.js';
import { tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

describe('vocal removal', () => {
  const dir = tempDir();
  const model = join(dir, 'separator.onnx');
  reference('export_separator', { path: model });
  const SR = 44100;
  // "Voice" A4 (440 Hz) in both channels; accompaniment E5 (659.26 Hz) in the left only.
  const voice = sine(440, 10.2, SR, 0.4);
  const acc = sine(659.26, 10.2, SR, 0.4);
  const left = voice.map((v, i) => v + acc[i]);
  const right = voice;

  it('keeps the sum of the non-vocal sources', async () => {
    const remover = await VocalRemover.load({ model, ...DEMUCS_DEFAULTS });
    const [l, r] = await remover.accompaniment([left.slice(0, SR), right.slice(0, SR)]);
    await remover.dispose();
    for (const i of [0, 123, 4567, SR - 1]) {
      assert.ok(Math.abs(l[i] - acc[i]) < 1e-6, 'left = the accompaniment');
      assert.ok(Math.abs(r[i]) < 1e-6, 'right = silence');
    }
  });

  it('with --remove-vocals the cached melody is the accompaniment, not the voice', async () => {
    const wav = join(dir, 'song.wav');
    await writeWav(wav, [left, right], SR, 'float32');
    const manifest = join(dir, 'm.jsonl');
    writeFileSync(
      manifest,
      JSON.stringify({
        film: 'F',
        soundtrack: 'S',
        composer: 'C',
        genres: [],
        media: wav,
        start: 0,
        end: 10.2,
      }),
    );
    const melodyOf = async (out: string): Promise<number[]> => {
      const index = new CacheIndex(join(out, 'index.sqlite'));
      const [clip] = index.all();
      index.close();
      const r = reference<{ m: { values: number[] } }>('npy_check', {
        files: { m: join(out, 'clips', clip.id, 'melody.npy') },
      });
      return r.m.values;
    };
    const plain = await buildDataset({ manifest, out: join(dir, 'plain') });
    assert.equal(plain.vocalRemoval, 'off');
    const separated = await buildDataset({
      manifest,
      out: join(dir, 'separated'),
      separator: { model, ...DEMUCS_DEFAULTS },
    });
    assert.match(separated.vocalRemoval, /^on: .*separator\.onnx \(sha256 [0-9a-f]{12}\)$/);
    assert.notEqual(separated.clipsBuilt, 0);
    const mid = (v: number[]) => v.slice(100, 900);
    assert.ok(
      mid(await melodyOf(join(dir, 'plain'))).every((c) => c === 9),
      'voice (A) dominates the mix',
    );
    assert.ok(
      mid(await melodyOf(join(dir, 'separated'))).every((c) => c === 4),
      'accompaniment (E) alone',
    );
  });

  it('a missing model or a wrong output shape is a clear error', async () => {
    await assert.rejects(
      VocalRemover.load({ model: join(dir, 'none.onnx'), ...DEMUCS_DEFAULTS }),
      /missing/,
    );
    const remover = await VocalRemover.load({
      model,
      ...DEMUCS_DEFAULTS,
      sources: ['a', 'vocals'],
    });
    await assert.rejects(
      remover.accompaniment([left.slice(0, 100), right.slice(0, 100)]),
      /output has shape \[1, 4, 2, 100\]/,
    );
    await remover.dispose();
  });
});
