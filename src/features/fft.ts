import { dspInstance, type DspExports } from './wasm.js';

/**
 * A linear map from one frame's power spectrum |X|² (or magnitude |X|) to `rows` values,
 * stored as sparse (bin → row, weight) entries: mel filter banks, chroma filter banks, total
 * energy. Applied inside the WebAssembly FFT, next to the spectrum.
 */
export interface SpectralProjection {
  rows: number;
  bins: Int32Array;
  targets: Int32Array;
  weights: Float64Array;
  ofMagnitude: boolean;
}

/** One weight of a projection: spectrum bin → output row. */
export interface ProjectionEntry {
  bin: number;
  row: number;
  weight: number;
}

/** Build a projection from its non-zero entries. */
export function sparseProjection(
  rows: number,
  ofMagnitude: boolean,
  entries: readonly ProjectionEntry[],
): SpectralProjection {
  return {
    rows,
    bins: Int32Array.from(entries, (e) => e.bin),
    targets: Int32Array.from(entries, (e) => e.row),
    weights: Float64Array.from(entries, (e) => e.weight),
    ofMagnitude,
  };
}

/** A projection placed in one RealFft's memory; `values` holds its output after `project`. */
interface PlacedProjection {
  spec: SpectralProjection;
  base: number;
  out: number;
  values: Float64Array;
}

/** Byte offsets of a projection's three blocks, each 16-byte aligned (as assembly/fft.ts reads). */
function projectionLayout(count: number): { rows: number; weights: number; bytes: number } {
  const align = (v: number): number => (v + 15) & ~15;
  const rows = align(count * 4);
  const weights = align(rows + count * 4);
  return { rows, weights, bytes: weights + count * 8 };
}

/**
 * A real-input FFT of one power-of-two size, with its buffers in its own WebAssembly memory, so
 * the hot loop of an STFT allocates nothing. Output is the one-sided spectrum: bins 0..n/2.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly wasm: DspExports;
  private readonly x: number;
  private readonly placed: PlacedProjection[] = [];
  private signal = -1;
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
    this.wasm = dspInstance();
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
    for (const p of this.placed) p.values = new Float64Array(buf, p.out, p.spec.rows);
  }

  /**
   * Copy a projection into this FFT's memory. Returns its output values (length `rows`),
   * recomputed by each `project()`; the array is replaced if memory grows, so read it
   * through the returned accessor.
   */
  addProjection(spec: SpectralProjection): () => Float64Array {
    const count = spec.bins.length;
    const layout = projectionLayout(count);
    const base = this.wasm.alloc(layout.bytes);
    const out = this.wasm.alloc(spec.rows * 8);
    const placed: PlacedProjection = { spec, base, out, values: new Float64Array(0) };
    this.placed.push(placed);
    this.refreshViews();
    // Entries go in row order: the kernel then sums each row in a register.
    const order = Array.from({ length: count }, (_, i) => i).sort(
      (a, b) => spec.targets[a] - spec.targets[b] || spec.bins[a] - spec.bins[b],
    );
    const buf = this.wasm.memory.buffer;
    const bins = new Int32Array(buf, base, count);
    const rows = new Int32Array(buf, base + layout.rows, count);
    const weights = new Float64Array(buf, base + layout.weights, count);
    order.forEach((from, to) => {
      bins[to] = spec.bins[from];
      rows[to] = spec.targets[from];
      weights[to] = spec.weights[from];
    });
    return () => placed.values;
  }

  /** Apply every added projection to the last transform. */
  project(): void {
    if (this.placed.some((p) => p.spec.ofMagnitude)) this.wasm.magnitude();
    for (const p of this.placed) {
      this.wasm.project(p.base, p.spec.bins.length, p.out, p.spec.rows, p.spec.ofMagnitude);
    }
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
    this.signal = this.wasm.alloc(signal.length * 4);
    this.refreshViews();
    new Float32Array(this.wasm.memory.buffer, this.signal, signal.length).set(signal);
    this.views.window.set(window);
  }

  /** Window the loaded signal's samples [start, start + n) — wholly inside it — and transform. */
  forwardAt(start: number): Float64Array {
    if (this.signal < 0) throw new Error('RealFft.forwardAt before loadSignal');
    this.wasm.loadFrame(this.signal, start);
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
