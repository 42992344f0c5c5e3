import { readFileSync } from 'node:fs';

/** The DSP kernels compiled from assembly/ (FFT, spectral projections, resampling). */
export interface DspExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  // FFT (assembly/fft.ts)
  init(size: number): number;
  outPointer(): number;
  windowPointer(): number;
  powerPointer(): number;
  loadFrame(signal: number, start: number): void;
  forward(): void;
  power(): void;
  magnitude(): void;
  project(base: number, count: number, out: number, rows: number, ofMagnitude: boolean): void;
  inverse(): void;
  // Griffin-Lim rounds (assembly/griffin-lim.ts)
  glInit(nFft: number, hopLength: number, frames: number, length: number, center: boolean): void;
  glMagnitude(): number;
  glAngleRe(): number;
  glAngleIm(): number;
  glSignal(): number;
  glPrepare(): void;
  glSynth(): void;
  glAnalyse(beta: number): void;
  glPhaseOfSignal(): void;
  // NNLS mel → linear magnitudes (assembly/nnls.ts)
  nnlsInit(bands: number, bins: number, weights: number, frames: number): void;
  nnlsStarts(): number;
  nnlsEnds(): number;
  nnlsOffsets(): number;
  nnlsWeights(): number;
  nnlsMel(): number;
  nnlsOut(): number;
  nnlsRun(iterations: number): void;
  // Resampling (assembly/resample.ts)
  resampleRange(
    input: number,
    lo: number,
    grid: number,
    first: number,
    stride: number,
    next: number,
    orig: number,
    width: number,
    start: number,
    end: number,
    out: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

/**
 * A fresh instance of the DSP module with its own memory. The module is compiled once per
 * thread; instances are cheap, and each user (an FFT of one size, a resampling job) owns one.
 */
export function dspInstance(): DspExports {
  if (!compiled) {
    const url = new URL('../../wasm/dsp.wasm', import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      throw new Error(`${url.pathname} is missing: run \`npm run build\` (it compiles assembly/)`);
    }
    compiled = new WebAssembly.Module(bytes);
  }
  const abort = (): never => {
    throw new Error('dsp.wasm aborted');
  };
  return new WebAssembly.Instance(compiled, { env: { abort } }).exports as unknown as DspExports;
}
