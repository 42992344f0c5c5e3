import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LIMITER_CEILING } from '../../src/decoder/limiter.js';
import {
  DEFAULT_MODEL_DIR,
  loadModelFolder,
  type GeneratorModel,
} from '../../src/generator/model-folder.js';
import { composeScore } from '../../src/score/score-video.js';

/**
 * The score never passes full scale (decoder/limiter.ts): the candidate, asked for a dark and
 * loud held-out clip's own descriptors, generates a window that peaks far over 1 (BENCHMARKS.md,
 * "The candidate's noisiness"); what composeScore hands on is limited by gain, its shape kept.
 */
describe('the score is limited below full scale', () => {
  let model: GeneratorModel;
  before(async () => {
    model = await loadModelFolder(DEFAULT_MODEL_DIR);
  });
  after(async () => model?.dispose());

  it('a generation over full scale comes out under −1 dBFS, scaled, not clipped', async () => {
    const condition = Float32Array.from([0.16, 0.64, 0.37, 0.62, 0.44, 0.9]);
    const conditionFor = async () => ({ levels: {}, condition });
    const opts = { seed: 1010, steps: 10, guidance: 6, scheduler: 'dpm-solver++' as const };
    const raw = await composeScore(model, 8, conditionFor, { ...opts, limiter: false });
    const limited = await composeScore(model, 8, conditionFor, opts);
    const peak = (x: Float32Array): number => x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    assert.ok(peak(raw.score) > 2, `the premise: the raw score peaks at ${peak(raw.score)}`);
    assert.ok(peak(limited.score) <= LIMITER_CEILING + 1e-6, `limited peak ${peak(limited.score)}`);
    // Gain, not clipping: every sample is the raw one times a gain in (0, 1] that moves
    // smoothly (a clipped score would have flat tops and gains jumping sample to sample).
    let steepest = 0;
    let prev = NaN;
    for (let i = 0; i < raw.score.length; i++) {
      if (Math.abs(raw.score[i]) < 0.05) continue;
      const g = limited.score[i] / raw.score[i];
      assert.ok(g > 0 && g <= 1 + 1e-6, `gain ${g} at ${i}`);
      if (Number.isFinite(prev)) steepest = Math.max(steepest, Math.abs(g - prev));
      prev = g;
    }
    assert.ok(steepest < 0.05, `steepest gain step ${steepest}`);
    // Flat tops (three or more samples in a row at the ceiling) are what clipping leaves.
    let flatTops = 0;
    for (let i = 2; i < limited.score.length; i++) {
      const at = (k: number): boolean => Math.abs(limited.score[k]) > LIMITER_CEILING - 1e-5;
      if (at(i) && at(i - 1) && at(i - 2)) flatTops++;
    }
    assert.ok(flatTops < 10, `${flatTops} flat tops`);
  });
});
