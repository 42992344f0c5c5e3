import type { Hertz } from '../units.js';
import { sparseProjection, type SpectralProjection } from './fft.js';
import {
  forEachStftFrame,
  frameCount,
  type IndexRange,
  type Spectrogram,
  type StftOptions,
} from './stft.js';

export interface ChromaOptions extends StftOptions {
  sampleRate: Hertz;
}

/**
 * The chroma front end of the melody control. Hop 160 at 16 kHz puts one chroma frame on each
 * mel frame. The paper prints "window 260", but a 260-sample (16 ms) window has 62 Hz bins and
 * cannot tell neighbouring semitones apart below ~1 kHz. Measured on pure tones C2–B6
 * (test/features/controls.test.ts), the share of frames given the right pitch class is
 * 0.600 with a 260-sample window, 0.883 with 1024 and 1.000 with 2048 (1024 fails in the bass
 * octave). So we use 2048 samples (128 ms), a standard music-analysis window; `winLength`
 * stays a parameter.
 */
export const MELODY_CHROMA: Readonly<ChromaOptions> = Object.freeze({
  sampleRate: 16000,
  nFft: 2048,
  winLength: 2048,
  hopLength: 160,
  center: true,
  padMode: 'reflect',
});

/** Chroma weights of one FFT bin: chroma classes c with weight w, kept sparse. */
interface BinWeights {
  bin: number;
  chroma: Uint8Array;
  weight: Float32Array;
}

/**
 * A chroma filter bank in the manner of librosa.filters.chroma (tuning 0, centre octave 5,
 * octave width 2, C first): each FFT bin spreads over pitch classes by a Gaussian in
 * semitones as wide as the bin itself, columns are L2-normalised, and a Gaussian over octaves
 * favours the melodic range. Weights below 1e-6 of a column's largest are dropped.
 */
export function chromaFilterBank(sampleRate: Hertz, nFft: number): BinWeights[] {
  const bins = nFft / 2 + 1;
  const A0_16 = 440 / 16; // octave 0 of the "octs" scale sits at A440 / 16
  // Fractional chroma position (in semitones, A = 0 at octave boundaries) of each FFT bin.
  const pos = new Float64Array(bins);
  for (let k = 1; k < bins; k++) pos[k] = 12 * Math.log2((k * sampleRate) / nFft / A0_16);
  pos[0] = pos[1] - 1.5 * 12; // DC: put it an octave and a half below bin 1
  const out: BinWeights[] = [];
  for (let k = 0; k < bins; k++) {
    const width = k + 1 < bins ? Math.max(pos[k + 1] - pos[k], 1) : 1;
    const w = new Float64Array(12);
    let norm = 0;
    for (let c = 0; c < 12; c++) {
      // Distance from chroma class c (A-based), wrapped to [-6, 6).
      const d = ((((pos[k] - c + 6) % 12) + 12) % 12) - 6;
      w[c] = Math.exp(-0.5 * ((2 * d) / width) ** 2);
      norm += w[c] * w[c];
    }
    norm = Math.sqrt(norm);
    const octave = Math.exp(-0.5 * ((pos[k] / 12 - 5) / 2) ** 2);
    let max = 0;
    for (let c = 0; c < 12; c++) {
      w[c] = (w[c] / norm) * octave;
      max = Math.max(max, w[c]);
    }
    const keep: number[] = [];
    for (let c = 0; c < 12; c++) if (w[c] > 1e-6 * max && w[c] > 0) keep.push(c);
    // Roll from A-based to C-based classes: A (0 here) becomes 9.
    out.push({
      bin: k,
      chroma: Uint8Array.from(keep, (c) => (c + 9) % 12),
      weight: Float32Array.from(keep, (c) => w[c]),
    });
  }
  return out.filter((b) => b.weight.length > 0);
}

/** The bank as a projection of the power spectrum applied inside the FFT. */
export function chromaProjection(sampleRate: Hertz, nFft: number): SpectralProjection {
  const entries = chromaFilterBank(sampleRate, nFft).flatMap(({ bin, chroma, weight }) =>
    Array.from(chroma, (row, j) => ({ bin, row, weight: weight[j] })),
  );
  return sparseProjection(12, false, entries);
}

/**
 * Chromagram T × 12 (C = 0) of the power spectrogram, each frame scaled so its largest class is
 * 1 (librosa's norm=∞); silent frames stay all zero.
 */
export function chromagram(x: Float32Array, opts: ChromaOptions = MELODY_CHROMA): Spectrogram {
  const frames = frameCount(x.length, opts);
  const data = new Float32Array(frames * 12);
  chromaFramesInto(x, opts, data, { start: 0, end: frames });
  return { frames, bins: 12, data };
}

/** Frames [range.start, range.end) of `chromagram` into `out` (T × 12, full length). */
export function chromaFramesInto(
  x: Float32Array,
  opts: ChromaOptions,
  out: Float32Array,
  range: IndexRange,
): void {
  forEachStftFrame(
    x,
    opts,
    (t, { projected: [chroma] }) => {
      let max = 0;
      for (let c = 0; c < 12; c++) max = Math.max(max, chroma[c]);
      const o = t * 12;
      for (let c = 0; c < 12; c++) out[o + c] = max > 0 ? chroma[c] / max : 0;
    },
    { range, projections: [chromaProjection(opts.sampleRate, opts.nFft)] },
  );
}
