import { alloc } from './memory';

// The FFT behind every spectral feature, in AssemblyScript → WebAssembly (SIMD; float32
// butterflies, float64 input and output).
// Part of dist/wasm/dsp.wasm (assembly/index.ts); src/features/fft.ts wraps it. A real FFT
// of n points runs as a complex FFT of n/2 points (even samples real, odd imaginary) and a
// final untangling step.
//
// Memory layout (all f64), set up by init(n):
//   X    : input real frame, n values                  at xPtr
//   Z    : complex work, n/2 float32 complex (interleaved) at zPtr
//   OUT  : one-sided spectrum, n/2+1 complex           at outPtr
//   TW   : per-stage float32 twiddles, for the half-size complex FFT
//   W    : post-processing twiddles exp(-2πik/n), k=0..n/2 as (c, s)
//   REV  : bit-reversal permutation (u32), n/2 entries
let n: i32 = 0;
let half: i32 = 0;
let xPtr: usize = 0;
let zPtr: usize = 0;
let outPtr: usize = 0;
let twPtr: usize = 0;
let wPtr: usize = 0;
let revPtr: usize = 0;
let winPtr: usize = 0;
let powPtr: usize = 0;
let magPtr: usize = 0;

export function init(size: i32): usize {
  n = size;
  half = size >> 1;
  const bits = 31 - clz<i32>(half);
  let p: usize = alloc(0);
  xPtr = p;
  p += <usize>n * 8;
  zPtr = p;
  p += <usize>half * 8;
  outPtr = p;
  p += <usize>(half + 1) * 16;
  twPtr = p;
  p += <usize>half * 32;
  wPtr = p;
  p += <usize>(half + 1) * 16;
  revPtr = p;
  p += <usize>half * 4;
  winPtr = p;
  p += <usize>n * 8;
  powPtr = p;
  p += <usize>(half + 1) * 8;
  magPtr = p;
  p += <usize>(half + 1) * 8;
  alloc(<i32>(p - xPtr));
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    store<u32>(revPtr + ((<usize>i) << 2), r);
  }
  // Stage with half-size h ≥ 2 uses twiddles W_{2h}^j, j < h, two butterflies per vector:
  // at byte offset h·16, for each pair (j, j+1): (c_j, c_j, c_j+1, c_j+1), (−s_j, s_j, −s_j+1, s_j+1).
  for (let h = 2; h < half; h <<= 1) {
    for (let j = 0; j < h; j += 2) {
      const q = twPtr + ((<usize>h) << 4) + ((<usize>j) << 4);
      for (let d = 0; d < 2; d++) {
        const a = (-2.0 * Math.PI * <f64>(j + d)) / <f64>(2 * h);
        const c = <f32>Math.cos(a);
        const s = <f32>Math.sin(a);
        store<f32>(q + ((<usize>d) << 3), c);
        store<f32>(q + ((<usize>d) << 3) + 4, c);
        store<f32>(q + 16 + ((<usize>d) << 3), -s);
        store<f32>(q + 16 + ((<usize>d) << 3) + 4, s);
      }
    }
  }
  for (let k = 0; k <= half; k++) {
    const a = (-2.0 * Math.PI * <f64>k) / <f64>n;
    store<f64>(wPtr + ((<usize>k) << 4), Math.cos(a));
    store<f64>(wPtr + ((<usize>k) << 4) + 8, Math.sin(a));
  }
  return xPtr;
}

export function outPointer(): usize {
  return outPtr;
}
export function windowPointer(): usize {
  return winPtr;
}
export function powerPointer(): usize {
  return powPtr;
}

/** Frame X = signal[start .. start+n) · window, for frames wholly inside a float32 signal. */
export function loadFrame(signal: usize, start: i32): void {
  const src = signal + ((<usize>start) << 2);
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 3;
    store<f64>(xPtr + o, <f64>load<f32>(src + ((<usize>i) << 2)) * load<f64>(winPtr + o));
  }
}

/** |X[k]|² of the last transform into POWER (n/2+1 values). */
export function power(): void {
  for (let k = 0; k <= half; k++) {
    const v = v128.load(outPtr + ((<usize>k) << 4));
    const sq = f64x2.mul(v, v);
    store<f64>(powPtr + ((<usize>k) << 3), f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1));
  }
}

/**
 * In-place radix-2 decimation-in-time over Z (float32 complex, input in bit-reversed order),
 * two butterflies per f32x4 vector. Float32 as torch.stft computes: the error stays near
 * 1e-7 of the spectrum's peak.
 */
function butterflies(): void {
  // First stage (h = 1): each vector holds a butterfly's two inputs (a, b) → (a + b, a − b).
  const sign = f32x4(1, 1, -1, -1);
  for (let a = 0; a < half; a += 2) {
    const pa = zPtr + ((<usize>a) << 3);
    const v = v128.load(pa);
    const lo = v128.shuffle<f32>(v, v, 0, 1, 0, 1);
    const hi = v128.shuffle<f32>(v, v, 2, 3, 2, 3);
    v128.store(pa, f32x4.add(lo, f32x4.mul(hi, sign)));
  }
  // Remaining stages, two butterflies (j, j + 1) per vector.
  for (let h = 2; h < half; h <<= 1) {
    const size = h << 1;
    const tw = twPtr + ((<usize>h) << 4);
    for (let start = 0; start < half; start += size) {
      let pa = zPtr + ((<usize>start) << 3);
      let pb = pa + ((<usize>h) << 3);
      let pt = tw;
      for (let j = 0; j < h; j += 2) {
        const b = v128.load(pb);
        const cc = v128.load(pt);
        const ss = v128.load(pt + 16);
        const swapped = v128.shuffle<f32>(b, b, 1, 0, 3, 2);
        const t = f32x4.add(f32x4.mul(b, cc), f32x4.mul(swapped, ss));
        const u = v128.load(pa);
        v128.store(pa, f32x4.add(u, t));
        v128.store(pb, f32x4.sub(u, t));
        pa += 16;
        pb += 16;
        pt += 32;
      }
    }
  }
}

export function forward(): void {
  // 1. Pack even/odd samples as complex, in bit-reversed order.
  for (let k = 0; k < half; k++) {
    const j = <usize>load<u32>(revPtr + ((<usize>k) << 2));
    store<f32>(zPtr + (j << 3), <f32>load<f64>(xPtr + ((<usize>k) << 4)));
    store<f32>(zPtr + (j << 3) + 4, <f32>load<f64>(xPtr + ((<usize>k) << 4) + 8));
  }
  butterflies();
  // 3. Untangle the two real transforms: X[k] = E[k] + W^k O[k].
  for (let k = 0; k <= half; k++) {
    const k1 = k == half ? 0 : k;
    const k2 = k == 0 ? 0 : half - k;
    const ar = <f64>load<f32>(zPtr + ((<usize>k1) << 3));
    const ai = <f64>load<f32>(zPtr + ((<usize>k1) << 3) + 4);
    const cr = <f64>load<f32>(zPtr + ((<usize>k2) << 3));
    const ci = -(<f64>load<f32>(zPtr + ((<usize>k2) << 3) + 4));
    const er = 0.5 * (ar + cr);
    const ei = 0.5 * (ai + ci);
    const or = 0.5 * (ai - ci);
    const oi = -0.5 * (ar - cr);
    const wr = load<f64>(wPtr + ((<usize>k) << 4));
    const wi = load<f64>(wPtr + ((<usize>k) << 4) + 8);
    store<f64>(outPtr + ((<usize>k) << 4), er + wr * or - wi * oi);
    store<f64>(outPtr + ((<usize>k) << 4) + 8, ei + wr * oi + wi * or);
  }
}

/**
 * Inverse of a one-sided spectrum placed at OUT (n/2+1 complex; the imaginary parts of DC and
 * Nyquist are ignored) into X (n reals). Retangles E and O, then an inverse complex FFT of
 * size n/2 done as conj(FFT(conj(Z))) / (n/2).
 */
export function inverse(): void {
  store<f64>(outPtr + 8, 0.0);
  store<f64>(outPtr + ((<usize>half) << 4) + 8, 0.0);
  for (let k = 0; k < half; k++) {
    const xr = load<f64>(outPtr + ((<usize>k) << 4));
    const xi = load<f64>(outPtr + ((<usize>k) << 4) + 8);
    const yr = load<f64>(outPtr + ((<usize>(half - k)) << 4));
    const yi = -load<f64>(outPtr + ((<usize>(half - k)) << 4) + 8);
    const er = 0.5 * (xr + yr);
    const ei = 0.5 * (xi + yi);
    const dr = 0.5 * (xr - yr);
    const di = 0.5 * (xi - yi);
    const wr = load<f64>(wPtr + ((<usize>k) << 4));
    const wi = -load<f64>(wPtr + ((<usize>k) << 4) + 8);
    const or = dr * wr - di * wi;
    const oi = dr * wi + di * wr;
    // Z = E + i·O, stored conjugated, bit-reversed.
    const j = <usize>load<u32>(revPtr + ((<usize>k) << 2));
    store<f32>(zPtr + (j << 3), <f32>(er - oi));
    store<f32>(zPtr + (j << 3) + 4, <f32>-(ei + or));
  }
  butterflies();
  const scale = 1.0 / <f64>half;
  for (let m = 0; m < half; m++) {
    store<f64>(xPtr + ((<usize>m) << 4), <f64>load<f32>(zPtr + ((<usize>m) << 3)) * scale);
    store<f64>(
      xPtr + ((<usize>m) << 4) + 8,
      -(<f64>load<f32>(zPtr + ((<usize>m) << 3) + 4)) * scale,
    );
  }
}

/** |X[k]| from POWER into MAG, for projections of the magnitude (AudioLDM's mel). */
export function magnitude(): void {
  for (let k = 0; k <= half; k++) {
    store<f64>(magPtr + ((<usize>k) << 3), Math.sqrt(load<f64>(powPtr + ((<usize>k) << 3))));
  }
}

/**
 * out[r] = Σ weight·spectrum[bin] over the `count` (bin, row, weight) entries of a sparse
 * projection at `base` (count i32 bins, count i32 rows, then count f64 weights, each block
 * 16-byte aligned), entries sorted by row: mel filters, chroma filters, total energy.
 * `ofMagnitude` picks MAG over POWER as the spectrum. Rows with no entries stay 0.
 */
export function project(base: usize, count: i32, out: usize, rows: i32, ofMagnitude: bool): void {
  const spectrum = ofMagnitude ? magPtr : powPtr;
  for (let r = 0; r < rows; r++) store<f64>(out + ((<usize>r) << 3), 0.0);
  const binsAt = base;
  const rowsAt = (base + ((<usize>count) << 2) + 15) & ~15;
  const weightsAt = (rowsAt + ((<usize>count) << 2) + 15) & ~15;
  let i = 0;
  while (i < count) {
    const row = load<i32>(rowsAt + ((<usize>i) << 2));
    let acc = 0.0;
    while (i < count && load<i32>(rowsAt + ((<usize>i) << 2)) == row) {
      const bin = <usize>load<i32>(binsAt + ((<usize>i) << 2));
      acc += load<f64>(weightsAt + ((<usize>i) << 3)) * load<f64>(spectrum + (bin << 3));
      i++;
    }
    store<f64>(out + ((<usize>row) << 3), acc);
  }
}
