import { alphasCumprod, type NoiseSchedule, type Scheduler } from './schedule.js';

/**
 * DPM-Solver++ (2M), the multistep second-order solver of Lu et al. 2022 in its data-
 * prediction form: it reaches in 20–25 steps what DDIM needs 50+ for. Timesteps evenly
 * spaced over [T−1, 0] (diffusers' "linspace"); the final step goes to the clean sample and
 * is first order, as diffusers' `lower_order_final` does for short schedules.
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
    const last = schedule.steps - 1;
    this.timesteps = Array.from({ length: steps }, (_, i) => Math.round(last - (i * last) / steps));
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
