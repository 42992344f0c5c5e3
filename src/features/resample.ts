import type { Hertz } from '../units.js';
import type { IndexRange } from './stft.js';

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (sharper cut-off, longer kernel). */
  lowpassFilterWidth?: number;
  /** Cut-off as a fraction of the lower Nyquist rate (below 1 to leave a transition band). */
  rolloff?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Band-limited resampling by a Hann-windowed sinc, polyphase: the rates are reduced by their
 * GCD to orig:new, and each of the `new` output phases has its own kernel over the input.
 * The same definition as torchaudio.functional.resample's "sinc_interp_hann" (width 6,
 * rolloff 0.99), so outputs agree with it to float precision; output length is
 * ceil(new · n / orig).
 */
export function resample(
  x: Float32Array,
  fromRate: Hertz,
  toRate: Hertz,
  opts: ResampleOptions = {},
): Float32Array {
  const y = new Float32Array(resampledLength(x.length, fromRate, toRate));
  resampleInto(x, fromRate, toRate, y, { start: 0, end: y.length }, opts);
  return y;
}

/** Output length of `resample`: ceil(n · to / from). */
export function resampledLength(n: number, fromRate: Hertz, toRate: Hertz): number {
  const g = gcd(fromRate, toRate);
  return Math.ceil(((toRate / g) * n) / (fromRate / g));
}

/**
 * Compute output samples [range.start, range.end) of `resample(x, fromRate, toRate)` into
 * `y` (which has the full output length): output samples are independent, so threads can
 * share the work.
 */
export function resampleInto(
  x: Float32Array,
  fromRate: Hertz,
  toRate: Hertz,
  y: Float32Array,
  range: IndexRange,
  opts: ResampleOptions = {},
): void {
  if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) {
    throw new RangeError(`sample rates must be positive integers, got ${fromRate} → ${toRate}`);
  }
  if (fromRate === toRate) {
    y.set(x.subarray(range.start, range.end), range.start);
    return;
  }
  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  const zeros = opts.lowpassFilterWidth ?? 6;
  const rolloff = opts.rolloff ?? 0.99;
  const base = Math.min(orig, next) * rolloff; // cut-off, in units of the reduced rates
  const width = Math.ceil((zeros * orig) / base);
  const taps = 2 * width + orig;
  // Each phase's kernel, trimmed to its non-zero span (the windowed sinc vanishes beyond
  // ±zeros crossings, so of the orig + 2·width taps only ~2·width are non-zero).
  const kernels: { first: number; taps: Float64Array }[] = [];
  for (let p = 0; p < next; p++) {
    const k = new Float64Array(taps);
    let first = -1;
    let last = -1;
    for (let i = 0; i < taps; i++) {
      // Time of input tap i relative to output phase p, in input periods, scaled to the cut-off.
      const t = ((i - width) / orig - p / next) * base;
      if (Math.abs(t) >= zeros) continue; // the window is zero there (cos²(±π/2))
      const win = Math.cos((t * Math.PI) / zeros / 2) ** 2;
      const u = t * Math.PI;
      k[i] = (u === 0 ? 1 : Math.sin(u) / u) * win * (base / orig);
      if (first < 0) first = i;
      last = i;
    }
    kernels.push({ first, taps: k.slice(first, last + 1) });
  }
  const n = x.length;
  const end = Math.min(range.end, resampledLength(n, fromRate, toRate));
  // Output sample j = f·next + p reads input samples f·orig − width … f·orig − width + taps − 1.
  let f = Math.floor(range.start / next);
  let p = range.start - f * next;
  for (let j = range.start; j < end; j++) {
    const { first, taps: k } = kernels[p];
    const start = f * orig - width + first;
    let acc = 0;
    if (start >= 0 && start + k.length <= n) {
      for (let i = 0; i < k.length; i++) acc += k[i] * x[start + i];
    } else {
      const i0 = Math.max(0, -start);
      const i1 = Math.min(k.length, n - start);
      for (let i = i0; i < i1; i++) acc += k[i] * x[start + i];
    }
    y[j] = acc;
    if (++p === next) {
      p = 0;
      f++;
    }
  }
}
