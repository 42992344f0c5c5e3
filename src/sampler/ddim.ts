import { alphasCumprod, type NoiseSchedule, type Scheduler } from './schedule.js';

/**
 * DDIM (Song et al. 2021), deterministic (η = 0). Timesteps evenly spaced ("leading", as
 * diffusers: t = i · T/n, noisiest first); the last step lands on the clean sample (ᾱ = 1).
 */
export class DdimScheduler implements Scheduler {
  readonly name = 'ddim';
  readonly timesteps: number[];
  private readonly abar: Float64Array;

  constructor(schedule: NoiseSchedule, steps: number) {
    if (!Number.isInteger(steps) || steps < 1 || steps > schedule.steps) {
      throw new RangeError(`steps must be an integer from 1 to ${schedule.steps}, not ${steps}`);
    }
    this.abar = alphasCumprod(schedule);
    const stride = schedule.steps / steps;
    this.timesteps = Array.from({ length: steps }, (_, i) => Math.floor((steps - 1 - i) * stride));
  }

  step(i: number, eps: Float32Array, x: Float32Array): void {
    const a = this.abar[this.timesteps[i]];
    const aPrev = i + 1 < this.timesteps.length ? this.abar[this.timesteps[i + 1]] : 1;
    const sa = Math.sqrt(a);
    const s = Math.sqrt(1 - a);
    const saPrev = Math.sqrt(aPrev);
    const sPrev = Math.sqrt(1 - aPrev);
    for (let k = 0; k < x.length; k++) {
      const x0 = (x[k] - s * eps[k]) / sa;
      x[k] = saPrev * x0 + sPrev * eps[k];
    }
  }
}
