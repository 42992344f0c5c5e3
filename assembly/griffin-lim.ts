import { alloc } from './memory';
import { forward, init, inverse, outPointer, windowPointer } from './fft';

// Fast Griffin-Lim's rounds (src/features/griffin-lim.ts wraps them), whole in WebAssembly:
// iSTFT (weighted overlap-add) and STFT with the phase update fused into it. The JS version
// spent most of a round copying each frame's spectrum between JS arrays and the FFT's memory
// (6 rounds on a 10.24 s window: ~0.2 s of the hybrid vocoder's 0.35 s).
//
// Memory, set up by glInit (after the FFT's own, from init(n)):
//   MAG, ANGRE, ANGIM, PREVRE, PREVIM : frames × bins f32, frame-major (as the JS side's arrays)
//   SIG    : the signal, `length` f32
//   ACC    : overlap-add accumulator, total f64
//   ENVINV : 1 / Σ window², total f64 (0 where the sum is ~0), precomputed by glPrepare
let n: i32 = 0;
let bins: i32 = 0;
let hop: i32 = 0;
let frames: i32 = 0;
let len: i32 = 0;
let total: i32 = 0;
let offset: i32 = 0;
let xPtr: usize = 0;
let outPtr: usize = 0;
let winPtr: usize = 0;
let magPtr: usize = 0;
let angRePtr: usize = 0;
let angImPtr: usize = 0;
let prevRePtr: usize = 0;
let prevImPtr: usize = 0;
let sigPtr: usize = 0;
let accPtr: usize = 0;
let envInvPtr: usize = 0;

/** Set up an n-point Griffin-Lim of `frameCount` frames into `length` samples. */
export function glInit(
  nFft: i32,
  hopLength: i32,
  frameCount: i32,
  length: i32,
  center: bool,
): void {
  n = nFft;
  bins = (nFft >> 1) + 1;
  hop = hopLength;
  frames = frameCount;
  len = length;
  total = n + hop * (frames - 1);
  offset = center ? n >> 1 : 0;
  xPtr = init(n);
  outPtr = outPointer();
  winPtr = windowPointer();
  const cells = <i32>frames * bins * 4;
  magPtr = alloc(cells);
  angRePtr = alloc(cells);
  angImPtr = alloc(cells);
  prevRePtr = alloc(cells);
  prevImPtr = alloc(cells);
  sigPtr = alloc(len * 4);
  accPtr = alloc(total * 8);
  envInvPtr = alloc(total * 8);
}

export function glMagnitude(): usize {
  return magPtr;
}
export function glAngleRe(): usize {
  return angRePtr;
}
export function glAngleIm(): usize {
  return angImPtr;
}
export function glSignal(): usize {
  return sigPtr;
}

/** After the window is in place: 1 / Σ_t w²(· − t·hop), the overlap-add's normaliser. */
export function glPrepare(): void {
  memory.fill(envInvPtr, 0, <usize>total * 8);
  for (let t = 0; t < frames; t++) {
    const at = envInvPtr + ((<usize>(t * hop)) << 3);
    for (let i = 0; i < n; i++) {
      const w = load<f64>(winPtr + ((<usize>i) << 3));
      const p = at + ((<usize>i) << 3);
      store<f64>(p, load<f64>(p) + w * w);
    }
  }
  for (let i = 0; i < total; i++) {
    const p = envInvPtr + ((<usize>i) << 3);
    const e = load<f64>(p);
    store<f64>(p, e > 1e-11 ? 1.0 / e : 0.0);
  }
}

/** SIG = iSTFT(MAG · e^{i·ANG}), as torch.istft (centre padding removed, trimmed to length). */
export function glSynth(): void {
  memory.fill(accPtr, 0, <usize>total * 8);
  for (let t = 0; t < frames; t++) {
    const cell = (<usize>(t * bins)) << 2;
    for (let k = 0; k < bins; k++) {
      const c = cell + ((<usize>k) << 2);
      const m = <f64>load<f32>(magPtr + c);
      store<f64>(outPtr + ((<usize>k) << 4), m * <f64>load<f32>(angRePtr + c));
      store<f64>(outPtr + ((<usize>k) << 4) + 8, m * <f64>load<f32>(angImPtr + c));
    }
    inverse();
    const at = accPtr + ((<usize>(t * hop)) << 3);
    // Two samples per f64x2 (n is a power of two ≥ 8): the same products and sums.
    for (let i = 0; i < n; i += 2) {
      const o = (<usize>i) << 3;
      const v = f64x2.add(v128.load(at + o), f64x2.mul(v128.load(xPtr + o), v128.load(winPtr + o)));
      v128.store(at + o, v);
    }
  }
  const m = min(len, total - offset);
  for (let i = 0; i < m; i++) {
    const o = (<usize>(offset + i)) << 3;
    store<f32>(sigPtr + ((<usize>i) << 2), <f32>(load<f64>(accPtr + o) * load<f64>(envInvPtr + o)));
  }
  for (let i = max(m, 0); i < len; i++) store<f32>(sigPtr + ((<usize>i) << 2), 0);
}

/** Frame t of SIG (reflect-padded when centred), windowed, into the FFT's input. */
function loadSignalFrame(t: i32): void {
  const start = t * hop - offset;
  if (start >= 0 && start + n <= len) {
    const src = sigPtr + ((<usize>start) << 2);
    // Two samples per f64x2: f32 pairs widened, then windowed.
    for (let i = 0; i < n; i += 2) {
      const o = (<usize>i) << 3;
      const pair = f64x2.promote_low_f32x4(v128.load64_zero(src + ((<usize>i) << 2)));
      v128.store(xPtr + o, f64x2.mul(pair, v128.load(winPtr + o)));
    }
  } else {
    for (let i = 0; i < n; i++) {
      let j = start + i;
      // Reflection without repeating the edge sample (torch's 'reflect'); len > n / 2.
      if (j < 0) j = -j;
      if (j >= len) j = 2 * (len - 1) - j;
      // Frames wholly past a short signal's end (none when length spans the frames).
      j = min(max(j, 0), len - 1);
      const o = (<usize>i) << 3;
      store<f64>(xPtr + o, <f64>load<f32>(sigPtr + ((<usize>j) << 2)) * load<f64>(winPtr + o));
    }
  }
}

/**
 * ANG = the phase of SIG's STFT, where SIG holds a starting signal (a neural vocoder's
 * waveform): bins of zero magnitude keep the phase 0 (angle 1 + 0i). PREV stays zero.
 */
export function glPhaseOfSignal(): void {
  for (let t = 0; t < frames; t++) {
    loadSignalFrame(t);
    forward();
    const cell = (<usize>(t * bins)) << 2;
    for (let k = 0; k < bins; k++) {
      const c = cell + ((<usize>k) << 2);
      // Rounded to f32 as a JS STFT's arrays hold it.
      const re = <f64>(<f32>load<f64>(outPtr + ((<usize>k) << 4)));
      const im = <f64>(<f32>load<f64>(outPtr + ((<usize>k) << 4) + 8));
      const norm = Math.sqrt(re * re + im * im);
      store<f32>(angRePtr + c, norm > 0 ? <f32>(re / norm) : 1);
      store<f32>(angImPtr + c, norm > 0 ? <f32>(im / norm) : 0);
    }
  }
}

/**
 * STFT of SIG (reflect-padded when centred) and the fast Griffin-Lim phase update, frame by
 * frame: ANG = (S − β·PREV) / |S − β·PREV|, then PREV = S (S rounded to f32, as the JS STFT's
 * arrays held it).
 */
export function glAnalyse(beta: f64): void {
  for (let t = 0; t < frames; t++) {
    loadSignalFrame(t);
    forward();
    const cell = (<usize>(t * bins)) << 2;
    for (let k = 0; k < bins; k++) {
      const c = cell + ((<usize>k) << 2);
      const sr = <f32>load<f64>(outPtr + ((<usize>k) << 4));
      const si = <f32>load<f64>(outPtr + ((<usize>k) << 4) + 8);
      const re = <f64>sr - beta * <f64>load<f32>(prevRePtr + c);
      const im = <f64>si - beta * <f64>load<f32>(prevImPtr + c);
      const norm = Math.sqrt(re * re + im * im) + 1e-16;
      store<f32>(angRePtr + c, <f32>(re / norm));
      store<f32>(angImPtr + c, <f32>(im / norm));
      store<f32>(prevRePtr + c, sr);
      store<f32>(prevImPtr + c, si);
    }
  }
}
