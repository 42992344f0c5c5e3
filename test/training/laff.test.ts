// LAFF fusion: PyTorch (training/) and ONNX Runtime (src/film/laff.ts) agree, and the fusion
// is a convex combination of the projected branches.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LaffFusion } from '../../src/film/laff.js';
import { rng } from '../../src/synth/signals.js';
import { tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

describe('LAFF fusion', () => {
  it('ONNX Runtime matches PyTorch within 1e-5, weights are convex', async () => {
    const dims = { semantic: 85, aesthetic: 7, emotion: 6 };
    const r = rng(5);
    const inputs = {
      semantic: Float32Array.from({ length: dims.semantic }, () => r() * 2 - 1),
      aesthetic: Float32Array.from({ length: dims.aesthetic }, () => r()),
      emotion: Float32Array.from([0.1, 0.05, 0.05, 0.6, 0.1, 0.1]),
    };
    const path = join(tempDir(), 'laff.onnx');
    const torch = reference<{ c_film: number[]; weights: number[] }>(
      'laff',
      { seed: 3, dims, width: 64, batch: 1, path },
      inputs,
    );
    const laff = await LaffFusion.load(path);
    const fused = await laff.fuse(inputs);
    await laff.dispose();
    assert.equal(fused.cFilm.length, 64);
    let worst = 0;
    fused.cFilm.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - torch.c_film[i]))));
    fused.weights.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - torch.weights[i]))));
    // Tolerance: float32 through two different kernels; a wrong graph differs by ~0.1.
    assert.ok(worst < 1e-5, `PyTorch vs ONNX Runtime differ by ${worst}`);
    const sum = fused.weights.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6 && fused.weights.every((w) => w > 0), 'convex weights');
    assert.ok(
      fused.cFilm.every((v) => Math.abs(v) <= 1),
      'a convex combination of tanh features',
    );
  });
});
