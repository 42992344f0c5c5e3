// Mel magnitudes → linear magnitudes by NNLS, per frame (src/decoder/vocoders.ts `melToLinear`
// wraps it): Lee–Seung multiplicative updates x ← x · (Mᵀy) / (MᵀM x), started from Mᵀy, M the
// mel filter bank held sparsely (filter b covers bins starts[b] … ends[b] − 1, its weights from
// offsets[b]). Same sums in the same order as the JS loops it replaces, in f64 with f32
// storage, so the output is theirs to the bit; 2× their speed (the JS read the bank through
// objects and bounds checks on every one of a window's 20 million multiply-adds).
//
// Memory, set up by nnlsInit: STARTS, ENDS, OFFSETS (i32 per filter), WEIGHTS (f32), MEL
// (f32, band-major [bands × frames]), X (f32, frame-major [frames × bins]), NUM and DEN
// (f32 per bin).
import { alloc } from './memory';

let bands: i32 = 0;
let bins: i32 = 0;
let frames: i32 = 0;
let startsPtr: usize = 0;
let endsPtr: usize = 0;
let offsetsPtr: usize = 0;
let weightsPtr: usize = 0;
let melPtr: usize = 0;
let xPtr: usize = 0;
let numPtr: usize = 0;
let denPtr: usize = 0;

export function nnlsInit(bandCount: i32, binCount: i32, weightCount: i32, frameCount: i32): void {
  bands = bandCount;
  bins = binCount;
  frames = frameCount;
  startsPtr = alloc(bands * 4);
  endsPtr = alloc(bands * 4);
  offsetsPtr = alloc(bands * 4);
  weightsPtr = alloc(weightCount * 4);
  melPtr = alloc(bands * frames * 4);
  xPtr = alloc(frames * bins * 4);
  numPtr = alloc(bins * 4);
  denPtr = alloc(bins * 4);
}

export function nnlsStarts(): usize {
  return startsPtr;
}
export function nnlsEnds(): usize {
  return endsPtr;
}
export function nnlsOffsets(): usize {
  return offsetsPtr;
}
export function nnlsWeights(): usize {
  return weightsPtr;
}
export function nnlsMel(): usize {
  return melPtr;
}
export function nnlsOut(): usize {
  return xPtr;
}

function f32At(base: usize, i: i32): f64 {
  return <f64>load<f32>(base + ((<usize>i) << 2));
}

export function nnlsRun(iterations: i32): void {
  for (let t = 0; t < frames; t++) {
    const x = xPtr + ((<usize>(t * bins)) << 2);
    // Mᵀy: the start, and the numerator of every update.
    memory.fill(numPtr, 0, (<usize>bins) << 2);
    for (let b = 0; b < bands; b++) {
      const yb = f32At(melPtr, b * frames + t);
      const first = load<i32>(startsPtr + ((<usize>b) << 2));
      const last = load<i32>(endsPtr + ((<usize>b) << 2));
      const w0 = load<i32>(offsetsPtr + ((<usize>b) << 2)) - first;
      for (let k = first; k < last; k++) {
        const p = numPtr + ((<usize>k) << 2);
        store<f32>(p, <f32>(<f64>load<f32>(p) + f32At(weightsPtr, w0 + k) * yb));
      }
    }
    memory.copy(x, numPtr, (<usize>bins) << 2);
    for (let it = 0; it < iterations; it++) {
      memory.fill(denPtr, 0, (<usize>bins) << 2);
      for (let b = 0; b < bands; b++) {
        const first = load<i32>(startsPtr + ((<usize>b) << 2));
        const last = load<i32>(endsPtr + ((<usize>b) << 2));
        const w0 = load<i32>(offsetsPtr + ((<usize>b) << 2)) - first;
        let s: f64 = 0;
        for (let k = first; k < last; k++) s += f32At(weightsPtr, w0 + k) * f32At(x, k);
        for (let k = first; k < last; k++) {
          const p = denPtr + ((<usize>k) << 2);
          store<f32>(p, <f32>(<f64>load<f32>(p) + f32At(weightsPtr, w0 + k) * s));
        }
      }
      for (let k = 0; k < bins; k++) {
        const p = x + ((<usize>k) << 2);
        const den = f32At(denPtr, k);
        const num = f32At(numPtr, k);
        store<f32>(p, <f32>(<f64>load<f32>(p) * (den > 0 ? num / (den + 1e-12) : 0)));
      }
    }
  }
}
