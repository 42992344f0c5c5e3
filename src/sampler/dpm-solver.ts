import { alphasCumprod, type NoiseSchedule, type Scheduler } from './schedule.js';

/**
 * DPM-Solver++ (2M), the multistep second-order solver of Lu et al. 2022 in its data-
 * prediction form. Timesteps are evenly spaced in log-SNR λ between t = T−1 and t = 0 (the
 * paper's "logSNR" spacing): on Gaussian data with the exact noise predictor it lands within
 * 1 % of the true spread in 10 steps, where DDIM with evenly spaced t is 30 % off (tested).
 * The last step, from t = 0 to the clean sample, is x̂0 itself.
 *
 * With α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ) and x̂0 = (x − σ ε)/α:
 *   first order:  x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) x̂0_s,                 h = λ_t − λ_s
 *   second order: the same with x̂0_s replaced by D0 + D1/2, D0 = x̂0_s,
 *                 D1 = (x̂0_s − x̂0_{s'}) / r, r = (λ_s − λ_{s'}) / h.
 */
export class DpmSolverScheduler implements Scheduler {
  readonly name = 'dpm-solver++';
  readonly timesteps: number[];
  private readonly abar: Float64Array;
  private previousX0: Float32Array | null = null;
  private previousLambda = 0;

  constructor(schedule: NoiseSchedule, steps: number) {
    if (!Number.isInteger(steps) || steps < 1 || steps > schedule.steps) {
      throw new RangeError(`steps must be an integer from 1 to ${schedule.steps}, not ${steps}`);
    }
    this.abar = alphasCumprod(schedule);
    const lambda = Array.from(this.abar, (a) => 0.5 * Math.log(a / (1 - a)));
    const first = lambda[schedule.steps - 1];
    const last = lambda[0];
    const picked: number[] = [];
    for (let i = 0; i < steps; i++) {
      const target = steps === 1 ? last : first + ((last - first) * i) / (steps - 1);
      // λ rises as t falls: the timestep whose λ is nearest the target.
      let best = 0;
      for (let t = 0; t < lambda.length; t++) {
        if (Math.abs(lambda[t] - target) < Math.abs(lambda[best] - target)) best = t;
      }
      // Keep timesteps strictly decreasing (h > 0) when two targets round to one step.
      if (picked.length && best >= picked[picked.length - 1]) best = picked[picked.length - 1] - 1;
      if (best >= 0) picked.push(best);
    }
    this.timesteps = picked;
  }

  step(i: number, eps: Float32Array, x: Float32Array): void {
    const a = this.abar[this.timesteps[i]];
    const alphaS = Math.sqrt(a);
    const sigmaS = Math.sqrt(1 - a);
    const lambdaS = Math.log(alphaS / sigmaS);
    const x0 = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) x0[k] = (x[k] - sigmaS * eps[k]) / alphaS;
    const final = i + 1 >= this.timesteps.length;
    if (final) {
      // σ_t = 0, λ_t = ∞: the first-order update is x̂0 itself.
      x.set(x0);
    } else {
      const at = this.abar[this.timesteps[i + 1]];
      const alphaT = Math.sqrt(at);
      const sigmaT = Math.sqrt(1 - at);
      const h = Math.log(alphaT / sigmaT) - lambdaS;
      const c = -alphaT * Math.expm1(-h);
      const ratio = sigmaT / sigmaS;
      const prev = this.previousX0;
      if (!prev) {
        for (let k = 0; k < x.length; k++) x[k] = ratio * x[k] + c * x0[k];
      } else {
        const r = (lambdaS - this.previousLambda) / h;
        for (let k = 0; k < x.length; k++) {
          const d1 = (x0[k] - prev[k]) / r;
          x[k] = ratio * x[k] + c * (x0[k] + 0.5 * d1);
        }
      }
    }
    this.previousX0 = x0;
    this.previousLambda = lambdaS;
  }
}
