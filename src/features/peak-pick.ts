/**
 * Greedy peak picking (Böck, Krebs & Schedl 2012), with the semantics of librosa.util.peak_pick:
 * sample n is a peak when
 *   1. x[n] = max(x[n − preMax : n + postMax])
 *   2. x[n] ≥ mean(x[n − preAvg : n + postAvg]) + delta
 *   3. n is more than `wait` samples after the previous peak
 * (slices are half-open and clipped to the signal).
 */
export interface PeakPickOptions {
  preMax: number;
  postMax: number;
  preAvg: number;
  postAvg: number;
  delta: number;
  wait: number;
}

export function peakPick(x: ArrayLike<number>, o: PeakPickOptions): number[] {
  if (
    o.preMax < 0 ||
    o.preAvg < 0 ||
    o.delta < 0 ||
    o.wait < 0 ||
    o.postMax <= 0 ||
    o.postAvg <= 0
  ) {
    throw new RangeError('peakPick: pre* / delta / wait must be ≥ 0 and post* > 0');
  }
  const n = x.length;
  const peaks: number[] = [];
  const windowMax = (lo: number, hi: number): number => {
    let m = -Infinity;
    for (let i = Math.max(0, lo); i < Math.min(hi, n); i++) if (x[i] > m) m = x[i];
    return m;
  };
  const windowMean = (lo: number, hi: number): number => {
    let s = 0;
    const a = Math.max(0, lo);
    const b = Math.min(hi, n);
    for (let i = a; i < b; i++) s += x[i];
    return s / (b - a);
  };
  let i = 0;
  while (i < n) {
    if (
      x[i] === windowMax(i - o.preMax, i + o.postMax) &&
      x[i] >= windowMean(i - o.preAvg, i + o.postAvg) + o.delta
    ) {
      peaks.push(i);
      i += o.wait + 1;
    } else {
      i += 1;
    }
  }
  return peaks;
}
