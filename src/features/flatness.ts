import type { Hertz } from '../units.js';
import { spectrogram } from './stft.js';

export interface FlatnessOptions {
  sampleRate: Hertz;
  nFft: number;
  hopLength: number;
  /** The band read (Hz): 100–4000 Hz holds a score's harmony, not its hiss or rumble. */
  fLow: Hertz;
  fHigh: Hertz;
}

export const FLATNESS: Readonly<FlatnessOptions> = Object.freeze({
  sampleRate: 16000,
  nFft: 1024,
  hopLength: 160,
  fLow: 100,
  fHigh: 4000,
});

/**
 * Spectral flatness, a quick noisiness reading (DESIGN.md, "What the audio representation
 * keeps"): per frame the geometric over the arithmetic mean of the power spectrum's bins in
 * [fLow, fHigh] (Hann window, centred frames), averaged over frames. Near 0 for a few clean
 * partials, 1 for white noise; real soundtracks read about 0.01, pink noise about 0.37. A
 * vocoder or generator that adds a noise floor between harmonics raises it.
 */
export function spectralFlatness(x: Float32Array, opts: FlatnessOptions = FLATNESS): number {
  const s = spectrogram(x, { nFft: opts.nFft, hopLength: opts.hopLength, power: 2 });
  const binHz = opts.sampleRate / opts.nFft;
  const lo = Math.ceil(opts.fLow / binHz);
  const hi = Math.min(s.bins - 1, Math.floor(opts.fHigh / binHz));
  const eps = 1e-10; // keeps digital silence finite (and reads it as flat, as noise would be)
  let total = 0;
  for (let t = 0; t < s.frames; t++) {
    let logSum = 0;
    let sum = 0;
    for (let k = lo; k <= hi; k++) {
      const p = s.data[t * s.bins + k] + eps;
      logSum += Math.log(p);
      sum += p;
    }
    const n = hi - lo + 1;
    total += Math.exp(logSum / n) / (sum / n);
  }
  return s.frames ? total / s.frames : NaN;
}
