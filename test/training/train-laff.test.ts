// LAFF trains on the synthetic (video, music) pairs through the dataset cache (a CI smoke
// run: a few steps, with a checkpoint, a resume and an ONNX export the runtime loads).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import { LaffFusion } from '../../src/film/laff.js';
import { tempDir } from '../helpers/media.js';
import { PYTHON } from '../helpers/reference.js';

function train(args: string[]): { step: number; final_loss: number; dims: Record<string, number> } {
  const r = spawnSync(PYTHON, ['training/train_laff.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function losses(out: string): number[] {
  return readFileSync(join(out, 'log.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[2]));
}

describe('train_laff.py', () => {
  it('learns the music affect from the film branches, resumes, and exports for the runtime', async () => {
    const dir = tempDir();
    const { manifest } = await writeSyntheticPairs(join(dir, 'pairs'), 4, 10.5);
    const dataset = join(dir, 'ds');
    await buildDataset({ manifest, out: dataset, ratios: { train: 1, val: 0, test: 0 } });
    const out = join(dir, 'run');
    const common = [
      '--dataset',
      dataset,
      '--out',
      out,
      '--width',
      '32',
      '--batch',
      '4',
      '--lr',
      '0.01',
    ];
    const first = train([...common, '--steps', '60', '--checkpoint-every', '20']);
    assert.equal(first.step, 60);
    assert.deepEqual(first.dims, { semantic: 85, aesthetic: 7, emotion: 6 });
    const resumed = train([...common, '--steps', '90', '--resume']);
    assert.equal(resumed.step, 90);
    const l = losses(out);
    assert.equal(l.length, 90, 'the log goes on across the resume');
    const early = l.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = l.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(late < 0.5 * early, `loss ${early} → ${late}`);

    const laff = await LaffFusion.load(join(out, 'laff.onnx'));
    const fused = await laff.fuse({
      semantic: new Float32Array(85),
      aesthetic: new Float32Array(7),
      emotion: Float32Array.from([1, 0, 0, 0, 0, 0]),
    });
    await laff.dispose();
    assert.equal(fused.cFilm.length, 32);
  });
});
