import FFT from 'fft.js';

/**
 * A real-input FFT of one power-of-two size, with its scratch buffers, so the hot loop of an
 * STFT allocates nothing. Output is the one-sided spectrum: bins 0..n/2.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly out: Float64Array;
  private readonly full: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.out = new Float64Array(2 * size);
    this.full = new Float64Array(2 * size);
  }

  /** The scratch input frame: fill it, then call `forward()`. */
  get frame(): Float64Array {
    return this.input;
  }

  /**
   * Transform the scratch frame. Returns the interleaved complex output (re, im, re, im, …);
   * entries 0..2·bins are valid and stay so until the next call.
   */
  forward(): Float64Array {
    this.fft.realTransform(this.out, this.input);
    return this.out;
  }

  /**
   * Inverse of a one-sided spectrum (re/im of bins 0..n/2, Hermitian symmetry assumed) into
   * `target` (length n). The imaginary parts of DC and Nyquist are ignored, as irfft does.
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, target: Float64Array | Float32Array): void {
    const n = this.size;
    const full = this.full;
    for (let k = 0; k < this.bins; k++) {
      full[2 * k] = re[k];
      full[2 * k + 1] = k === 0 || k === n / 2 ? 0 : im[k];
    }
    for (let k = this.bins; k < n; k++) {
      full[2 * k] = re[n - k];
      full[2 * k + 1] = -im[n - k];
    }
    this.fft.inverseTransform(this.out, full);
    for (let i = 0; i < n; i++) target[i] = this.out[2 * i];
  }
}
