// The synthetic (video, music) pairs: picture and music follow the same known parameters, and
// the whole video path (manifest → dataset build → cached frames and affect) runs on them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { CacheIndex } from '../../src/dataset/cache-index.js';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import { probe } from '../../src/media/probe.js';
import { tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

describe('synthetic pairs', () => {
  it('follow their parameters in picture and music, through dataset build', async () => {
    const dir = tempDir();
    const { manifest, pairs } = await writeSyntheticPairs(dir, 4, 10.5);
    // 2 × 2 grid: pace 0/1 × brightness 0/1.
    assert.deepEqual(
      pairs.map((p) => [p.pace, p.brightness]),
      [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    );
    const info = await probe(join(dir, 'pair-000.mp4'));
    assert.ok(info.video && info.audio);
    assert.ok(Math.abs(info.durationS - 10.5) < 0.1);

    const out = join(dir, 'ds');
    const s = await buildDataset({ manifest, out, ratios: { train: 1, val: 0, test: 0 } });
    assert.equal(s.clipsBuilt, 4, JSON.stringify(s.problems));
    const index = new CacheIndex(join(out, 'index.sqlite'));
    const clips = new Map(index.all().map((c) => [c.film, c]));
    index.close();
    const clip = (name: string) => clips.get(name)!;

    // Music follows: faster pairs have more pace, brighter pairs are louder and more major.
    assert.ok(clip('pair-001').affect.pace > clip('pair-000').affect.pace + 0.15);
    assert.ok(clip('pair-003').affect.pace > clip('pair-002').affect.pace + 0.15);
    assert.ok(clip('pair-002').affect.loudness > clip('pair-000').affect.loudness + 0.2);
    assert.ok(clip('pair-002').affect.mode > clip('pair-000').affect.mode);
    assert.equal(clip('pair-003').emotion, 'exciting');
    assert.equal(clip('pair-000').emotion, 'sad');

    // The picture follows: brighter pairs have brighter cached frames, and the semantic
    // frames (10 fps) change abruptly at the known cuts.
    const files = Object.fromEntries(
      ['pair-000', 'pair-002', 'pair-001'].map((n) => [
        n,
        join(out, 'clips', clip(n).id, 'frames_semantic.npy'),
      ]),
    );
    const r = reference<Record<string, { shape: number[]; values: number[] }>>('npy_check', {
      files,
    });
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(mean(r['pair-002'].values) > mean(r['pair-000'].values) + 80);
    const [F, h, w] = r['pair-001'].shape;
    const frameSize = h * w * 3;
    const diffs = Array.from({ length: F - 1 }, (_, f) => {
      let d = 0;
      for (let i = 0; i < frameSize; i += 7) {
        d += Math.abs(
          r['pair-001'].values[(f + 1) * frameSize + i] - r['pair-001'].values[f * frameSize + i],
        );
      }
      return d;
    });
    const median = [...diffs].sort((a, b) => a - b)[diffs.length >> 1];
    const threshold = 4 * median;
    const detected = diffs.flatMap((d, f) => (d > threshold ? [(f + 1) / 10] : []));
    const cuts = pairs[1].cuts.filter((t) => t < 10);
    assert.ok(cuts.length >= 5, `pace 1 cuts every ${pairs[1].cutEveryS} s`);
    for (const t of cuts) {
      assert.ok(
        detected.some((d) => Math.abs(d - t) <= 0.1 + 1e-9),
        `cut at ${t} s; detected ${detected}`,
      );
    }
  });
});
