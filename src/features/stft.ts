import { RealFft, type SpectralProjection } from './fft.js';
import { reflectIndex } from './reflect.js';
import { hannWindow } from './window.js';

export interface StftOptions {
  /** FFT size (power of two). */
  nFft: number;
  hopLength: number;
  /** Window length ≤ nFft, centred in the frame; default nFft. */
  winLength?: number;
  /** Pad nFft/2 on both sides so frame t is centred on sample t·hop (default true). */
  center?: boolean;
  /** How to pad when centring: 'reflect' (torch, AudioLDM) or 'constant' zeros (librosa ≥ 0.10). */
  padMode?: 'reflect' | 'constant';
}

/** A one-sided complex spectrogram, frame-major: value (t, f) at index t·bins + f. */
export interface ComplexSpectrogram {
  frames: number;
  bins: number;
  re: Float32Array;
  im: Float32Array;
}

/** A real-valued time–frequency matrix, frame-major: value (t, f) at index t·bins + f. */
export interface Spectrogram {
  frames: number;
  bins: number;
  data: Float32Array;
}

/** Number of STFT frames for a signal of `length` samples. */
export function frameCount(length: number, opts: StftOptions): number {
  const center = opts.center ?? true;
  const padded = center ? length + 2 * Math.floor(opts.nFft / 2) : length;
  if (padded < opts.nFft) return 0;
  return 1 + Math.floor((padded - opts.nFft) / opts.hopLength);
}

function validate(length: number, opts: StftOptions): void {
  if (!Number.isInteger(opts.hopLength) || opts.hopLength < 1) {
    throw new RangeError(`hopLength must be a positive integer, got ${opts.hopLength}`);
  }
  if (
    (opts.center ?? true) &&
    (opts.padMode ?? 'reflect') === 'reflect' &&
    length <= opts.nFft / 2
  ) {
    throw new RangeError(
      `signal of ${length} samples is too short for reflect padding of ${opts.nFft / 2}; use padMode 'constant' or a longer signal`,
    );
  }
}

/** Sample `i` of the signal as seen through centre padding (reflection or zeros). */
function paddedSample(x: Float32Array, i: number, reflect: boolean): number {
  const n = x.length;
  if (i >= 0 && i < n) return x[i];
  return reflect ? x[reflectIndex(i, n)] : 0;
}

/** A half-open span of frame (or sample) indices [start, end): one thread's share of a job. */
export interface IndexRange {
  start: number;
  end: number;
}

/** What a frame visitor receives, in buffers reused from frame to frame. */
export interface StftFrame {
  /** Interleaved complex bins 0..nFft/2 (re, im, re, im, …). */
  spectrum: Float64Array;
  /** |X|² of bins 0..nFft/2. */
  power: Float64Array;
  /** The outputs of the requested projections, in the order given. */
  projected: Float64Array[];
}

export interface FrameVisitOptions {
  /** Visit only frames [start, end): frames are independent, so threads can share a signal. */
  range?: IndexRange;
  /** Linear maps of the power/magnitude spectrum computed next to the FFT (mel, chroma, …). */
  projections?: SpectralProjection[];
}

/**
 * Visit each windowed STFT frame: `visit(t, frame)`. One function for every spectral feature,
 * so framing and padding are defined once. Returns the signal's total frame count.
 */
export function forEachStftFrame(
  x: Float32Array,
  opts: StftOptions,
  visit: (t: number, frame: StftFrame) => void,
  visitOptions: FrameVisitOptions = {},
): number {
  validate(x.length, opts);
  const { nFft, hopLength } = opts;
  const center = opts.center ?? true;
  const reflect = (opts.padMode ?? 'reflect') === 'reflect';
  const window = hannWindow(opts.winLength ?? nFft, nFft);
  const fft = new RealFft(nFft);
  const outputs = (visitOptions.projections ?? []).map((p) => fft.addProjection(p));
  fft.loadSignal(x, window);
  // The memory no longer grows from here on, so these views stay valid for the whole loop.
  const projected = outputs.map((o) => o());
  const frames = frameCount(x.length, opts);
  const offset = center ? Math.floor(nFft / 2) : 0;
  const { range } = visitOptions;
  const last = Math.min(frames, range?.end ?? frames);
  for (let t = Math.max(0, range?.start ?? 0); t < last; t++) {
    const start = t * hopLength - offset;
    let spectrum: Float64Array;
    if (start >= 0 && start + nFft <= x.length) {
      spectrum = fft.forwardAt(start);
    } else {
      const frame = fft.frame;
      for (let i = 0; i < nFft; i++) frame[i] = paddedSample(x, start + i, reflect) * window[i];
      spectrum = fft.forward();
    }
    if (outputs.length) fft.project();
    visit(t, { spectrum, power: fft.power, projected });
  }
  return frames;
}

/** Short-time Fourier transform (periodic Hann window), as torch.stft(return_complex=True). */
export function stft(x: Float32Array, opts: StftOptions): ComplexSpectrogram {
  const bins = opts.nFft / 2 + 1;
  const frames = frameCount(x.length, opts);
  const re = new Float32Array(frames * bins);
  const im = new Float32Array(frames * bins);
  forEachStftFrame(x, opts, (t, { spectrum: s }) => {
    const o = t * bins;
    for (let k = 0; k < bins; k++) {
      re[o + k] = s[2 * k];
      im[o + k] = s[2 * k + 1];
    }
  });
  return { frames, bins, re, im };
}

/**
 * |X|^power per bin (power 1: magnitude, power 2: power), without keeping the complex STFT.
 */
export function spectrogram(x: Float32Array, opts: StftOptions & { power?: 1 | 2 }): Spectrogram {
  const bins = opts.nFft / 2 + 1;
  const frames = frameCount(x.length, opts);
  const data = new Float32Array(frames * bins);
  const power = opts.power ?? 2;
  forEachStftFrame(x, opts, (t, { power: p }) => {
    const o = t * bins;
    for (let k = 0; k < bins; k++) data[o + k] = power === 2 ? p[k] : Math.sqrt(p[k]);
  });
  return { frames, bins, data };
}

/**
 * Inverse STFT by weighted overlap-add, as torch.istft: each frame is inverse-transformed,
 * windowed, summed, and divided by the summed squared window; the centre padding is removed.
 * `length` trims or zero-pads the result (default: (frames − 1)·hop).
 */
export function istft(
  spec: ComplexSpectrogram,
  opts: StftOptions & { length?: number },
): Float32Array {
  const { nFft, hopLength } = opts;
  if (spec.bins !== nFft / 2 + 1) {
    throw new RangeError(
      `spectrogram has ${spec.bins} bins but nFft ${nFft} needs ${nFft / 2 + 1}`,
    );
  }
  const center = opts.center ?? true;
  const window = hannWindow(opts.winLength ?? nFft, nFft);
  const fft = new RealFft(nFft);
  const total = nFft + hopLength * (spec.frames - 1);
  const acc = new Float64Array(total);
  const env = new Float64Array(total);
  const frame = new Float64Array(nFft);
  for (let t = 0; t < spec.frames; t++) {
    const o = t * spec.bins;
    fft.inverse(spec.re.subarray(o, o + spec.bins), spec.im.subarray(o, o + spec.bins), frame);
    const start = t * hopLength;
    for (let i = 0; i < nFft; i++) {
      acc[start + i] += frame[i] * window[i];
      env[start + i] += window[i] * window[i];
    }
  }
  const offset = center ? Math.floor(nFft / 2) : 0;
  const natural = center ? total - 2 * offset : total;
  const length = opts.length ?? natural;
  const y = new Float32Array(length);
  const n = Math.min(length, total - offset);
  for (let i = 0; i < n; i++) {
    const e = env[offset + i];
    y[i] = e > 1e-11 ? acc[offset + i] / e : 0;
  }
  return y;
}
