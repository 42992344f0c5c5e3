import { GaussianNoise } from './noise.js';

/**
 * Latent frames whose clean value is known before sampling (continuation of the previous
 * window, or the start of the piece at the end of a loop). Layout as the sampler's latent:
 * [channels × frames], row-major by channel; `known[f]` says whether frame f is known.
 * (Measured, issue 13: a soft edge — weights ramping to 0 over the last 0.5–1 s — and a
 * second pass re-noised from half-way (RePaint's resampling as one jump) left the seam where
 * the new music begins as it was; neither is kept.)
 */
export interface KnownLatent {
  latent: Float32Array;
  known: Uint8Array;
}

/**
 * Inpainting by replacement (RePaint's core step, without its resampling jumps): before the
 * first step and after every step, the known frames of x are set to the known clean latent
 * noised to the level the sampler is at, √ᾱ·x0 + √(1−ᾱ)·ε, with one fixed ε per frame so the
 * known part follows a single forward trajectory as a deterministic solver expects; after the
 * last step they are x0 itself. The unknown frames are sampled around them, so the UNet's
 * temporal layers make the new music carry on from the known.
 */
export class LatentPaster {
  private readonly eps: Float32Array;
  private readonly frames: number;

  constructor(
    private readonly target: KnownLatent,
    channels: number,
    seed: number,
  ) {
    this.frames = target.known.length;
    if (target.latent.length !== channels * this.frames) {
      throw new RangeError(
        `known latent has ${target.latent.length} values; a window has ${channels} × ${this.frames}`,
      );
    }
    // Its own stream: the unknown frames' noise (the window's seed) stays as without it.
    this.eps = new GaussianNoise(seed ^ 0x5eed1a7e).fill(target.latent.length);
  }

  /** Set x's known frames to their value at noise level ᾱ (1 = clean). */
  paste(x: Float32Array, alphaBar: number): void {
    const a = Math.sqrt(alphaBar);
    const s = Math.sqrt(Math.max(0, 1 - alphaBar));
    const { latent, known } = this.target;
    for (let i = 0; i < latent.length; i++) {
      if (known[i % this.frames]) x[i] = a * latent[i] + s * this.eps[i];
    }
  }
}
