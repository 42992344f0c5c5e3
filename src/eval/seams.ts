import { chromagram, MELODY_CHROMA } from '../features/chroma.js';
import { AUDIOLDM_MEL, logMelSpectrogram } from '../features/mel.js';
import type { Seconds } from '../units.js';
import { pearson } from '../util/statistics.js';

/**
 * How audible a join is, measured as a listener would hear a seam in music that otherwise
 * carries on: a sudden change of timbre (spectral novelty) and a change of key (pitch-class
 * content either side). Both are read the same way at joins of generated scores and at points
 * inside real tracks, so "as good as inside a real track" is a comparison of like with like.
 * Input: mono audio at 16 kHz.
 */

/** Frames per second of the novelty curve (log-mel averaged over 10 frames of 10 ms). */
export const NOVELTY_FPS = 10;

/**
 * Foote's novelty: a checkerboard kernel (Gaussian-tapered, `halfWidthS` each side) slid along
 * the diagonal of the cosine self-similarity of mean-removed log-mel frames. High where the
 * sound before a point differs from the sound after it and each side is self-consistent.
 */
export function spectralNovelty(audio: Float32Array, halfWidthS: Seconds = 2): Float32Array {
  const mel = logMelSpectrogram(audio, AUDIOLDM_MEL);
  const bands = mel.bins;
  const per = Math.round(100 / NOVELTY_FPS);
  const n = Math.floor(mel.frames / per);
  const feats: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(bands);
    for (let f = i * per; f < (i + 1) * per; f++)
      for (let b = 0; b < bands; b++) v[b] += mel.data[f * bands + b] / per;
    // Mean-removed and unit length: cosine similarity of spectral shape, not of level.
    let mean = 0;
    for (let b = 0; b < bands; b++) mean += v[b] / bands;
    let norm = 0;
    for (let b = 0; b < bands; b++) norm += (v[b] - mean) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let b = 0; b < bands; b++) v[b] = (v[b] - mean) / norm;
    feats.push(v);
  }
  const h = Math.max(1, Math.round(halfWidthS * NOVELTY_FPS));
  const sim = (i: number, j: number) => {
    let s = 0;
    for (let b = 0; b < bands; b++) s += feats[i][b] * feats[j][b];
    return s;
  };
  const taper = (d: number) => Math.exp(-0.5 * (d / (0.5 * h)) ** 2);
  const out = new Float32Array(n);
  for (let t = h; t + h <= n; t++) {
    let s = 0;
    let w = 0;
    for (let i = -h; i < h; i++) {
      for (let j = -h; j < h; j++) {
        // +1 within a side (before/before, after/after), −1 across.
        const sign = i < 0 === j < 0 ? 1 : -1;
        const g = taper(i + 0.5) * taper(j + 0.5);
        s += sign * g * sim(t + i, t + j);
        w += g;
      }
    }
    out[t] = s / w;
  }
  return out;
}

/**
 * The novelty at `atS` (its peak within ±`toleranceS`) as a percentile (0–100) of the curve's
 * values over the whole piece where it is defined: 50 is an ordinary point, near 100 a point
 * where the sound changes more than almost anywhere else in the piece.
 */
export function noveltyPercentile(
  novelty: Float32Array,
  atS: Seconds,
  halfWidthS: Seconds = 2,
  toleranceS: Seconds = 0.3,
): number {
  const h = Math.max(1, Math.round(halfWidthS * NOVELTY_FPS));
  const defined = novelty.subarray(h, Math.max(h, novelty.length - h + 1));
  const c = Math.round(atS * NOVELTY_FPS);
  const tol = Math.round(toleranceS * NOVELTY_FPS);
  let peak = -Infinity;
  for (let t = Math.max(h, c - tol); t <= Math.min(novelty.length - h, c + tol); t++) {
    peak = Math.max(peak, novelty[t]);
  }
  if (!Number.isFinite(peak)) {
    throw new RangeError(`${atS} s is within ${halfWidthS} s of the piece's ends`);
  }
  let below = 0;
  for (const v of defined) if (v < peak) below++;
  return (100 * below) / defined.length;
}

/** The 12 pitch classes' share of the chroma energy over [fromS, toS). */
export function pitchClassHistogram(audio: Float32Array, fromS: Seconds, toS: Seconds): number[] {
  const sr = MELODY_CHROMA.sampleRate;
  const piece = audio.subarray(Math.max(0, Math.round(fromS * sr)), Math.round(toS * sr));
  const c = chromagram(piece, MELODY_CHROMA);
  const h = new Array<number>(12).fill(0);
  for (let f = 0; f < c.frames; f++) for (let k = 0; k < 12; k++) h[k] += c.data[f * 12 + k];
  const total = h.reduce((a, b) => a + b, 0) || 1;
  return h.map((v) => v / total);
}

/** Key continuity at `atS`: the pitch-class histograms of the `spanS` before and after. */
export function pitchClassContinuity(
  audio: Float32Array,
  atS: Seconds,
  spanS: Seconds = 10,
): number {
  return pearson(
    pitchClassHistogram(audio, atS - spanS, atS),
    pitchClassHistogram(audio, atS, atS + spanS),
  );
}

/** Both seam measures at one point of a piece. */
export interface SeamReading {
  atS: Seconds;
  noveltyPercentile: number;
  pitchClassR: number;
}

/**
 * Both measures at each point of one piece (its novelty curve computed once): the novelty
 * peak within ±`toleranceS` of the point, the pitch classes of the `spanS` either side.
 */
export function seamReadings(
  audio: Float32Array,
  points: readonly Seconds[],
  { spanS = 10, toleranceS = 0.3 }: { spanS?: Seconds; toleranceS?: Seconds } = {},
): SeamReading[] {
  const novelty = spectralNovelty(audio);
  return points.map((atS) => ({
    atS,
    noveltyPercentile: noveltyPercentile(novelty, atS, 2, toleranceS),
    pitchClassR: pitchClassContinuity(audio, atS, spanS),
  }));
}
