// The evaluation's own audio model: a few-step training on the synthetic pairs (two styles),
// its export, and ONNX Runtime (through `filmscore eval`'s loader) against PyTorch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import { loadAudioModel } from '../../src/eval/audio-models/audio-model.js';
import { logMelBandMajor } from '../../src/features/mel.js';
import { note } from '../../src/synth/signals.js';
import { tempDir } from '../helpers/media.js';
import { PYTHON, reference } from '../helpers/reference.js';

describe('style classifier training (smoke)', () => {
  it('trains on two styles, exports, and ONNX Runtime agrees with PyTorch within 1e-4', async () => {
    const dir = tempDir();
    const { manifest } = await writeSyntheticPairs(join(dir, 'pairs'), 4, 10.5);
    // Two styles: every other clip under a second soundtrack name.
    const lines = readFileSync(manifest, 'utf8').trim().split('\n');
    const twoStyles = lines.map((l, i) =>
      i % 2 ? JSON.stringify({ ...JSON.parse(l), soundtrack: 'second style' }) : l,
    );
    writeFileSync(manifest, twoStyles.join('\n') + '\n');
    const dataset = join(dir, 'ds');
    await buildDataset({ manifest, out: dataset, ratios: { train: 1, val: 0, test: 0 } });
    const out = join(dir, 'style');
    const exported = join(dir, 'export');
    const r = spawnSync(
      PYTHON,
      [
        'training/train_style_classifier.py',
        ...['--dataset', dataset, '--out', out, '--steps', '12', '--batch', '4'],
        ...['--threads', '1', '--checkpoint-every', '6', '--export', exported],
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const log = readFileSync(join(out, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(log.length, 13, 'a header and one row per step');
    const meta = JSON.parse(readFileSync(join(exported, 'filmscore-style.json'), 'utf8'));
    assert.deepEqual(meta.classes, ['filmscore synthetic pairs', 'second style']);

    const model = await loadAudioModel(`filmscore-style:${join(exported, 'filmscore-style.json')}`);
    assert.deepEqual(model.classes, meta.classes);
    const x = note(57, 4, 16000, 0.3);
    const ours = await model.describe(x);
    await model.dispose();
    const { data } = logMelBandMajor(x);
    const ref = reference<{ embedding: number[]; probabilities: number[] }>(
      'run_style_classifier',
      { checkpoint: join(out, 'checkpoint.pt') },
      { mel: data },
    );
    const scale = Math.max(...ref.embedding.map(Math.abs));
    ref.embedding.forEach((v, i) =>
      assert.ok(Math.abs(ours.embeddings[0][i] - v) < 1e-4 * scale, `embedding ${i}`),
    );
    ref.probabilities.forEach((p, i) =>
      assert.ok(Math.abs(Math.exp(ours.logits![i]) - p) < 1e-5, `probability ${i}`),
    );
  });
});
