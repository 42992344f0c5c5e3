import type { Seconds } from '../units.js';

export interface CutOptions {
  /** Frames per second of the series. */
  fps: number;
  /** A cut's histogram change must exceed this … */
  minChange?: number;
  /** … and this many times the local median change (camera motion raises both). */
  ratio?: number;
  /** Half-width of the local window, in seconds. */
  windowS?: Seconds;
  /** Two cuts closer than this are one. */
  minGapS?: Seconds;
}

/**
 * Hard cuts from the colour-histogram change between consecutive frames: a frame starts a new
 * shot when its change is large in absolute terms and large against the changes around it
 * (so fast camera motion, which changes every frame, does not read as a string of cuts).
 * `change[t]` is the change from frame t − 1 to frame t; the cut's time is frame t's.
 */
export function detectCuts(change: ArrayLike<number>, opts: CutOptions): Seconds[] {
  const minChange = opts.minChange ?? 0.25;
  const ratio = opts.ratio ?? 3;
  const half = Math.max(1, Math.round((opts.windowS ?? 1) * opts.fps));
  const minGap = Math.round((opts.minGapS ?? 0.3) * opts.fps);
  const cuts: number[] = [];
  for (let t = 1; t < change.length; t++) {
    if (change[t] < minChange) continue;
    const local: number[] = [];
    for (let k = Math.max(1, t - half); k <= Math.min(change.length - 1, t + half); k++) {
      if (k !== t) local.push(change[k]);
    }
    local.sort((a, b) => a - b);
    const median = local.length ? local[local.length >> 1] : 0;
    if (change[t] < ratio * median) continue;
    // Keep the stronger of two cuts that are too close.
    const last = cuts[cuts.length - 1];
    if (last !== undefined && t - last < minGap) {
      if (change[t] > change[last]) cuts[cuts.length - 1] = t;
      continue;
    }
    cuts.push(t);
  }
  return cuts.map((t) => t / opts.fps);
}
