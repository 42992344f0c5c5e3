import { readFileSync } from 'node:fs';

/** The compiled FFT (assembly/fft.ts), loaded once per thread; each RealFft gets an instance. */
let compiled: WebAssembly.Module | undefined;

function fftModule(): WebAssembly.Module {
  if (!compiled) {
    const url = new URL('../../wasm/fft.wasm', import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      throw new Error(
        `${url.pathname} is missing: run \`npm run build\` (it compiles assembly/fft.ts)`,
      );
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

interface FftExports {
  memory: WebAssembly.Memory;
  init(size: number): number;
  outPointer(): number;
  windowPointer(): number;
  powerPointer(): number;
  reserveSignal(length: number): number;
  loadFrame(start: number): void;
  forward(): void;
  power(): void;
  inverse(): void;
}

/**
 * A real-input FFT of one power-of-two size, with its buffers in its own WebAssembly memory, so
 * the hot loop of an STFT allocates nothing. Output is the one-sided spectrum: bins 0..n/2.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly wasm: FftExports;
  private readonly x: number;
  private views!: {
    frame: Float64Array;
    out: Float64Array;
    power: Float64Array;
    window: Float64Array;
  };

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size must be a power of two ≥ 8, got ${size}`);
    }
    this.size = size;
    this.bins = size / 2 + 1;
    this.wasm = new WebAssembly.Instance(fftModule(), {
      env: {
        abort: () => {
          throw new Error('fft.wasm aborted');
        },
      },
    }).exports as unknown as FftExports;
    this.x = this.wasm.init(size);
    this.refreshViews();
  }

  /** Typed-array views die when the memory grows (init, loadSignal): take them anew. */
  private refreshViews(): void {
    const buf = this.wasm.memory.buffer;
    this.views = {
      frame: new Float64Array(buf, this.x, this.size),
      out: new Float64Array(buf, this.wasm.outPointer(), 2 * this.bins),
      power: new Float64Array(buf, this.wasm.powerPointer(), this.bins),
      window: new Float64Array(buf, this.wasm.windowPointer(), this.size),
    };
  }

  /** The input frame: fill it, then call `forward()`. */
  get frame(): Float64Array {
    return this.views.frame;
  }

  /** |X|² of the last transform, bins 0..n/2 (computed by `forward`). */
  get power(): Float64Array {
    return this.views.power;
  }

  /**
   * Transform `frame`. Returns the interleaved complex output (re, im, re, im, …) of bins
   * 0..n/2, valid until the next call; `power` holds |X|² alongside.
   */
  forward(): Float64Array {
    this.wasm.forward();
    this.wasm.power();
    return this.views.out;
  }

  /** Keep a copy of `signal` and `window` inside the FFT's memory, for `forwardAt`. */
  loadSignal(signal: Float32Array, window: Float64Array): void {
    const at = this.wasm.reserveSignal(signal.length);
    this.refreshViews();
    new Float32Array(this.wasm.memory.buffer, at, signal.length).set(signal);
    this.views.window.set(window);
  }

  /** Window the loaded signal's samples [start, start + n) — wholly inside it — and transform. */
  forwardAt(start: number): Float64Array {
    this.wasm.loadFrame(start);
    return this.forward();
  }

  /**
   * Inverse of a one-sided spectrum (re/im of bins 0..n/2, Hermitian symmetry assumed) into
   * `target` (length n). The imaginary parts of DC and Nyquist are ignored, as irfft does.
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, target: Float64Array | Float32Array): void {
    const out = this.views.out;
    for (let k = 0; k < this.bins; k++) {
      out[2 * k] = re[k];
      out[2 * k + 1] = im[k];
    }
    this.wasm.inverse();
    target.set(this.views.frame);
  }
}
