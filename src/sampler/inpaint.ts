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
  /** Match the new frames' colour to the known frames beside them (`matchColour`). */
  match?: ColourMatch;
}

export interface ColourMatch {
  /** Frames averaged on each side of an edge between known and new. */
  frames: number;
  /** Frames over which the match after a leading known run fades out (Infinity: never). */
  decay: number;
  /** Frames from here on are the window's padding, neither known nor new (default: none). */
  end?: number;
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

/**
 * Replacement leaves the new frames free to take their own colour: measured on the bundled
 * model (issue 13), the free part's mean log-mel sat up to 1 (≈ 9 dB) away from the known
 * part's, set by its own noise, and the edge between them was as much a seam (novelty
 * percentile 99) as two unrelated windows. So after sampling, each latent channel of the new
 * frames is shifted by the difference of the channel's mean over the `frames` known frames
 * before the edge and the `frames` new frames after it; with known frames on both sides (a
 * loop's last window), the two differences are interpolated across the new part. Only the
 * means move: the detail the model sampled stays. Edge novelty 99 → 69, key continuity
 * r 0.67 → 0.89 (`.diag`-style pairs, 8 seeds, bench/long-form.ts for whole films).
 */
export function matchColour(
  x: Float32Array,
  known: Uint8Array,
  channels: number,
  match: ColourMatch,
): void {
  const F = known.length;
  const end = Math.min(F, match.end ?? F);
  let left = 0; // frames [0, left) known
  while (left < end && known[left]) left++;
  let right = end; // frames [right, end) known, after the new part
  while (right > left && known[right - 1]) right--;
  const lastKnownAfter = right < end;
  if (left === 0 && !lastKnownAfter) return;
  if (left >= right) return;
  const mean = (c: number, from: number, to: number) => {
    let s = 0;
    for (let f = from; f < to; f++) s += x[c * F + f];
    return s / Math.max(1, to - from);
  };
  const newFrames = right - left;
  const w = Math.max(1, Math.min(match.frames, newFrames));
  for (let c = 0; c < channels; c++) {
    const dLeft =
      left > 0 ? mean(c, Math.max(0, left - match.frames), left) - mean(c, left, left + w) : 0;
    const dRight = lastKnownAfter
      ? mean(c, right, Math.min(end, right + match.frames)) - mean(c, right - w, right)
      : 0;
    for (let f = left; f < (lastKnownAfter ? right : F); f++) {
      const p = lastKnownAfter ? (f - left + 0.5) / newFrames : 0; // 0 … 1 across the new part
      const fade = Number.isFinite(match.decay) ? Math.exp(-(f - left) / match.decay) : 1;
      x[c * F + f] += (1 - p) * dLeft * fade + p * dRight;
    }
  }
}
