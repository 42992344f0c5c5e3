import type { Seconds } from '../units.js';

/**
 * A look-ahead peak limiter: the score's last stage before it is written. The networks know
 * nothing of full scale: of 20 generations asked for held-out clips' own descriptors, 13 of
 * the candidate's and 9 of the bundled model's peak above 1 (up to 3.4×, and 38.7× in a
 * dark, loud failure; BENCHMARKS.md), and a 16-bit file then clips them hard. The limiter
 * lowers the gain smoothly ahead of each peak (instant attack over the look-ahead, a slow
 * release), so a peak never passes the ceiling and nothing below it is touched.
 *
 * Streaming: `process` takes consecutive stretches of the score and keeps the gain from one to
 * the next. A stretch written out of order (a loop's head, written last) starts afresh.
 */
export interface LimiterOptions {
  /** The ceiling, linear (default 0.891: −1 dBFS, room for the codecs' overshoot). */
  ceiling?: number;
  /** How far ahead the gain comes down before a peak (default 5 ms). */
  lookaheadS?: Seconds;
  /** How fast the gain comes back up (time constant, default 150 ms). */
  releaseS?: Seconds;
}

export const LIMITER_CEILING = 10 ** (-1 / 20);

export class PeakLimiter {
  private readonly ceiling: number;
  private readonly lookahead: number;
  private readonly releaseCoef: number;
  private gain = 1;
  private next = -1;

  constructor(sampleRate: number, opts: LimiterOptions = {}) {
    this.ceiling = opts.ceiling ?? LIMITER_CEILING;
    this.lookahead = Math.max(1, Math.round((opts.lookaheadS ?? 0.005) * sampleRate));
    this.releaseCoef = Math.exp(-1 / ((opts.releaseS ?? 0.15) * sampleRate));
  }

  /** Limit `x` in place; `at` is its first sample's index in the score. Returns `x`. */
  process(x: Float32Array, at: number): Float32Array {
    if (at !== this.next) this.gain = 1;
    this.next = at + x.length;
    const n = x.length;
    const L = this.lookahead;
    // r[j]: the gain sample j alone needs; lowest[i]: the least of r over [i, i + L] (a
    // monotone deque), so that the gain is down before every peak within the look-ahead.
    const lowest = new Float32Array(n);
    const deque = new Int32Array(n);
    let head = 0;
    let tail = 0;
    const need = (j: number): number => {
      const v = Math.abs(x[j]);
      return v > this.ceiling ? this.ceiling / v : 1;
    };
    for (let j = 0, i = -L; i < n; j++, i++) {
      if (j < n) {
        const r = need(j);
        while (tail > head && need(deque[tail - 1]) >= r) tail--;
        deque[tail++] = j;
      }
      if (i < 0) continue;
      while (deque[head] < i) head++;
      lowest[i] = need(deque[head]);
    }
    // The gain: `lowest` averaged over the L + 1 samples up to each one — a straight ramp down
    // that arrives by the peak (the average of values each ≤ the peak's need) — and a release
    // that brings it back up no faster than its time constant.
    let sum = 0;
    let g = this.gain;
    for (let i = 0; i < n; i++) {
      sum += lowest[i];
      if (i > L) sum -= lowest[i - L - 1];
      // Before L + 1 samples are in, the missing ones count as the first (no look-back).
      const ramp = i >= L ? sum / (L + 1) : (sum + (L - i) * lowest[0]) / (L + 1);
      const released = g + (1 - g) * (1 - this.releaseCoef);
      g = Math.min(ramp, released);
      x[i] *= g;
      // A residual over (a peak right at a stretch's start) is held at the ceiling.
      if (x[i] > this.ceiling) x[i] = this.ceiling;
      else if (x[i] < -this.ceiling) x[i] = -this.ceiling;
    }
    this.gain = g;
    return x;
  }
}
