import {
  istft,
  stft,
  type ComplexSpectrogram,
  type Spectrogram,
  type StftOptions,
} from './stft.js';

export interface GriffinLimOptions extends StftOptions {
  iterations?: number;
  /** Fast Griffin-Lim momentum (Perraudin et al. 2013); 0 gives the classic algorithm. */
  momentum?: number;
  /** Output length in samples (default: what the frames span). */
  length?: number;
  /** Starting phase (frame-major like the magnitude, e.g. the STFT of a neural vocoder's
   * output); zero phase when absent. */
  initialPhase?: ComplexSpectrogram;
}

/**
 * Phase reconstruction from a magnitude spectrogram (frame-major T × (nFft/2+1)) by fast
 * Griffin-Lim, as torchaudio.functional.griffinlim with rand_init=False: start from zero phase,
 * then alternate iSTFT → STFT, extrapolating the phase with `momentum`. Needs no weights: the
 * vocoder of last resort.
 */
export function griffinLim(magnitude: Spectrogram, opts: GriffinLimOptions): Float32Array {
  const iterations = opts.iterations ?? 32;
  const momentum = opts.momentum ?? 0.99;
  const { frames, bins } = magnitude;
  const mag = magnitude.data;
  const angleRe = new Float32Array(frames * bins).fill(1);
  const angleIm = new Float32Array(frames * bins);
  if (opts.initialPhase) {
    const { re, im } = opts.initialPhase;
    for (let i = 0; i < angleRe.length; i++) {
      const norm = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
      if (norm > 0) {
        angleRe[i] = re[i] / norm;
        angleIm[i] = im[i] / norm;
      }
    }
  }
  let prevRe: Float32Array = new Float32Array(frames * bins);
  let prevIm: Float32Array = new Float32Array(frames * bins);
  const spec: ComplexSpectrogram = {
    frames,
    bins,
    re: new Float32Array(frames * bins),
    im: new Float32Array(frames * bins),
  };
  const length = opts.length ?? (frames - 1) * opts.hopLength;
  const synth = (): Float32Array => {
    for (let i = 0; i < mag.length; i++) {
      spec.re[i] = mag[i] * angleRe[i];
      spec.im[i] = mag[i] * angleIm[i];
    }
    return istft(spec, { ...opts, length });
  };
  const beta = momentum / (1 + momentum);
  for (let it = 0; it < iterations; it++) {
    const rebuilt = stft(synth(), { ...opts, padMode: 'reflect' });
    for (let i = 0; i < mag.length; i++) {
      const re = rebuilt.re[i] - beta * prevRe[i];
      const im = rebuilt.im[i] - beta * prevIm[i];
      // sqrt, not Math.hypot: hypot's overflow care costs several times more per bin in V8.
      const norm = Math.sqrt(re * re + im * im) + 1e-16;
      angleRe[i] = re / norm;
      angleIm[i] = im / norm;
    }
    prevRe = rebuilt.re;
    prevIm = rebuilt.im;
  }
  return synth();
}
