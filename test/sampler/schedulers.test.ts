import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alphasCumprod, type NoiseSchedule, type Scheduler } from '../../src/sampler/schedule.js';
import { DdimScheduler } from '../../src/sampler/ddim.js';
import { DpmSolverScheduler } from '../../src/sampler/dpm-solver.js';
import { GaussianNoise } from '../../src/sampler/noise.js';
import { guide } from '../../src/sampler/guidance.js';
import { reference } from '../helpers/reference.js';

const { schedule, abar: pyAbar } = reference<{ schedule: NoiseSchedule; abar: number[] }>(
  'alphas_cumprod',
  {},
);

/**
 * The exact ε-predictor for data x0 ~ N(μ, s²) (per coordinate): x_t = √ᾱ x0 + √(1−ᾱ) ε is
 * Gaussian, and E[ε | x_t] = √(1−ᾱ) (x_t − √ᾱ μ) / (ᾱ s² + 1 − ᾱ). Sampling the probability-
 * flow ODE with it must turn N(0, 1) noise into N(μ, s²) samples, whatever the solver.
 */
function sampleGaussian(sched: Scheduler, mu: number, s: number, n: number, seed: number) {
  const abar = alphasCumprod(schedule);
  const x = new GaussianNoise(seed).fill(n);
  sched.timesteps.forEach((t, i) => {
    const a = abar[t];
    const eps = Float32Array.from(
      x,
      (v) => (Math.sqrt(1 - a) * (v - Math.sqrt(a) * mu)) / (a * s * s + 1 - a),
    );
    sched.step(i, eps, x);
  });
  let m = 0;
  for (const v of x) m += v / n;
  let var_ = 0;
  for (const v of x) var_ += (v - m) ** 2 / (n - 1);
  return { mean: m, std: Math.sqrt(var_), x };
}

describe('noise schedule', () => {
  it('builds the same ᾱ table as training (filmscore_training/diffusion.py)', () => {
    const abar = alphasCumprod(schedule);
    assert.equal(abar.length, pyAbar.length);
    for (let t = 0; t < abar.length; t++) assert.ok(Math.abs(abar[t] - pyAbar[t]) < 1e-12);
  });
});

describe('schedulers', () => {
  it('DDIM takes evenly spaced timesteps, noisiest first', () => {
    assert.deepEqual(new DdimScheduler(schedule, 4).timesteps, [750, 500, 250, 0]);
    assert.throws(() => new DdimScheduler(schedule, 0), RangeError);
  });

  it('DPM-Solver++ spans 999 … 0 evenly in log-SNR', () => {
    const t = new DpmSolverScheduler(schedule, 5).timesteps;
    assert.equal(t[0], 999);
    assert.equal(t[4], 0);
    const abar = alphasCumprod(schedule);
    const lambda = t.map((k) => 0.5 * Math.log(abar[k] / (1 - abar[k])));
    const gaps = lambda.slice(1).map((l, i) => l - lambda[i]);
    for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 0.05 * gaps[0], `gaps ${gaps}`);
    const many = new DpmSolverScheduler(schedule, 500).timesteps;
    for (let i = 1; i < many.length; i++) assert.ok(many[i] < many[i - 1]);
  });

  // Tolerances from the solvers' known discretisation error on this problem (worked out in
  // float64 beside this test): DDIM with evenly spaced t under-disperses narrow data.
  for (const [name, make, steps, s, tol] of [
    ['DDIM, 200 steps', (n: number) => new DdimScheduler(schedule, n), 200, 1, 0.04],
    ['DPM-Solver++, 10 steps', (n: number) => new DpmSolverScheduler(schedule, n), 10, 0.4, 0.01],
    ['DPM-Solver++, 25 steps', (n: number) => new DpmSolverScheduler(schedule, n), 25, 1, 0.01],
  ] as const) {
    it(`${name}: the exact predictor for N(μ, s²) data gives N(μ, s²) samples`, () => {
      const r = sampleGaussian(make(steps), 1.5, s, 20000, 3);
      assert.ok(Math.abs(r.mean - 1.5) < 0.02, `mean ${r.mean}`);
      assert.ok(Math.abs(r.std - s) < tol * s, `std ${r.std}`);
    });
  }

  it('DPM-Solver++ in 10 steps is closer to the converged ODE solution than DDIM in 50', () => {
    // Same noise through the deterministic ODE: the solvers differ only by discretisation error.
    const exact = sampleGaussian(new DpmSolverScheduler(schedule, 400), 0.5, 0.5, 2000, 9).x;
    const err = (x: Float32Array): number => {
      let e = 0;
      for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i] - exact[i]));
      return e;
    };
    const dpm = err(sampleGaussian(new DpmSolverScheduler(schedule, 10), 0.5, 0.5, 2000, 9).x);
    const ddim = err(sampleGaussian(new DdimScheduler(schedule, 50), 0.5, 0.5, 2000, 9).x);
    assert.ok(dpm < ddim / 2, `DPM-Solver++ ${dpm} vs DDIM ${ddim}`);
  });
});

describe('seeded noise and guidance', () => {
  it('the same seed gives the same noise; different seeds differ; N(0, 1) moments', () => {
    const a = new GaussianNoise(42).fill(100000);
    assert.deepEqual(a, new GaussianNoise(42).fill(100000));
    assert.notDeepEqual(a.subarray(0, 10), new GaussianNoise(43).fill(10));
    let m = 0;
    let v = 0;
    for (const x of a) m += x / a.length;
    for (const x of a) v += (x - m) ** 2 / a.length;
    assert.ok(Math.abs(m) < 0.01 && Math.abs(v - 1) < 0.02, `mean ${m} var ${v}`);
  });

  it('classifier-free guidance: ε_u + w (ε_c − ε_u)', () => {
    const c = Float32Array.from([1, 2]);
    guide(c, Float32Array.from([0.5, 3]), 7.5);
    assert.deepEqual(Array.from(c), [0.5 + 7.5 * 0.5, 3 + 7.5 * -1]);
  });
});
