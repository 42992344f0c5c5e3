/**
 * The noise schedule a model was trained with (its manifest's `schedule`): ᾱ_t for
 * t = 0 … steps−1, built exactly as training/filmscore_training/diffusion.py builds it.
 */
export interface NoiseSchedule {
  kind: 'scaled_linear';
  steps: number;
  beta_start: number;
  beta_end: number;
  prediction: 'epsilon';
}

/** ᾱ_t = Π (1 − β_s), with "scaled linear" β: a linear ramp in √β (Stable Diffusion, AudioLDM). */
export function alphasCumprod(s: NoiseSchedule): Float64Array {
  if (s.kind !== 'scaled_linear') throw new Error(`unknown noise schedule "${String(s.kind)}"`);
  const out = new Float64Array(s.steps);
  const a = Math.sqrt(s.beta_start);
  const b = Math.sqrt(s.beta_end);
  let prod = 1;
  for (let t = 0; t < s.steps; t++) {
    const beta = (a + ((b - a) * t) / (s.steps - 1)) ** 2;
    prod *= 1 - beta;
    out[t] = prod;
  }
  return out;
}

/**
 * One sampling step's contract: given the model's noise prediction at timestep `t` for the
 * sample `x`, return the sample at the next (less noisy) point. A scheduler knows the
 * schedule and nothing of the network (diffusers' separation).
 */
export interface Scheduler {
  readonly name: string;
  /** Timesteps the model is evaluated at, noisiest first. */
  readonly timesteps: readonly number[];
  /** Advance x in place from step index i, given the model's ε prediction there. */
  step(i: number, epsilon: Float32Array, x: Float32Array): void;
}
