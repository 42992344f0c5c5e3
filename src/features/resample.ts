import type { Hertz } from '../units.js';
import type { IndexRange } from './stft.js';
import { dspInstance } from './wasm.js';

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
  // ±zeros crossings, so of the orig + 2·width taps only ~2·width are non-zero), stored as
  // rows of one float32 grid zero-padded to a multiple of 4 taps for the SIMD kernel.
  const rows: { first: number; taps: number[] }[] = [];
  for (let p = 0; p < next; p++) {
    const k: number[] = [];
    let first = -1;
    for (let i = 0; i < taps; i++) {
      // Time of input tap i relative to output phase p, in input periods, scaled to the cut-off.
      const t = ((i - width) / orig - p / next) * base;
      if (Math.abs(t) >= zeros) {
        if (first >= 0) break; // past the support: the rest are zero too
        continue; // the window is zero there (cos²(±π/2))
      }
      if (first < 0) first = i;
      const win = Math.cos((t * Math.PI) / zeros / 2) ** 2;
      const u = t * Math.PI;
      k.push((u === 0 ? 1 : Math.sin(u) / u) * win * (base / orig));
    }
    rows.push({ first, taps: k });
  }
  const stride = Math.ceil(Math.max(...rows.map((r) => r.taps.length)) / 4) * 4;
  const end = Math.min(range.end, resampledLength(x.length, fromRate, toRate));
  if (end <= range.start) return;

  // The input span these outputs read, copied with zeros outside the signal and `stride`
  // samples of slack, so the kernel needs no edge cases.
  const fFirst = Math.floor(range.start / next);
  const fLast = Math.floor((end - 1) / next);
  const lo = fFirst * orig - width;
  const hi = fLast * orig - width + taps + stride;
  const dsp = dspInstance();
  const input = dsp.alloc((hi - lo) * 4);
  const grid = dsp.alloc(next * stride * 4);
  const first = dsp.alloc(next * 4);
  const out = dsp.alloc((end - range.start) * 4);
  const buf = dsp.memory.buffer;
  const a = Math.max(0, lo);
  const b = Math.min(x.length, hi);
  if (b > a) new Float32Array(buf, input, hi - lo).set(x.subarray(a, b), a - lo);
  const gridView = new Float32Array(buf, grid, next * stride);
  const firstView = new Int32Array(buf, first, next);
  rows.forEach((r, p) => {
    gridView.set(r.taps, p * stride);
    firstView[p] = r.first;
  });
  dsp.resampleRange(input, lo, grid, first, stride, next, orig, width, range.start, end, out);
  y.set(new Float32Array(buf, out, end - range.start), range.start);
}
