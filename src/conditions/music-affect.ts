import type { MusicAnalysis } from '../analysis/music-analysis.js';
import { AUDIOLDM_MEL, melToHzSlaney, hzToMelSlaney } from '../features/mel.js';
import { clip01, type AffectDescriptors, type AffectName } from './affect.js';
import { pearson } from '../util/statistics.js';
import { FLATNESS, spectralFlatness } from '../features/flatness.js';

/** Bumped whenever a definition below changes, so cached descriptors are recomputed. */
export const MUSIC_AFFECT_VERSION = 1;

/** Krumhansl–Kessler key profiles (C major / C minor), rotated for other tonics. */
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

/** Pearson r, 0 when a series is flat (silence has no key). */
function keyCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const r = pearson(a, b);
  return Number.isNaN(r) ? 0 : r;
}

function percentile(sorted: Float32Array, q: number): number {
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]
    : 0;
}

/**
 * Valence and arousal are mixes of other descriptors (below); the generator's condition keeps
 * them consistent when one of their parts is set by hand (generator/condition.ts).
 */
export const AFFECT_MIXES = {
  valence: { mode: 0.45, brightness: 0.3, pace: 0.25 },
  arousal: { loudness: 0.4, pace: 0.35, brightness: 0.25 },
} as const satisfies Partial<Record<AffectName, Partial<Record<AffectName, number>>>>;

/**
 * Music-side affect descriptors of a piece, each 0–1. Definitions (and why):
 *
 * - loudness: mean dynamics level, 10 dB → 0 … 50 dB → 1 (the dynamics control's scale: a
 *   full-scale sine sits near 50 dB, quiet underscore near 20).
 * - dynamicRange: spread between the 5th and 95th percentile of the dynamics, 0 → 0, 30 dB → 1.
 * - pace: onset rate on a log scale, 0/s → 0 … 8/s → 1. Tempo is left out: on orchestral music
 *   trackers disagree by factors of 2–3, onset density does not.
 * - brightness: spectral centroid of the mel spectrum, log scale 250 Hz → 0 … 4 kHz → 1.
 * - mode: major vs minor by the best Krumhansl–Kessler key correlation of the mean chroma,
 *   0.5 + (r_major − r_minor), clipped: 1 clearly major, 0 clearly minor.
 * - density: mean number of strong pitch classes per frame (chroma ≥ 0.5), 1 → 0 … 6 → 1
 *   (clusters and thick chords read as dense / dissonant).
 * - valence = 0.45·mode + 0.30·brightness + 0.25·pace (major, bright and fast music is heard
 *   as positive: Gabrielsson & Lindström 2010).
 * - arousal = 0.40·loudness + 0.35·pace + 0.25·brightness.
 * - tension = 0.40·(1 − mode) + 0.30·density + 0.30·crescendo, where crescendo is the
 *   dynamics' least-squares slope, 0 dB/s → 0 … 3 dB/s → 1 (rising loudness builds tension).
 * - noisiness: spectral flatness 100–4000 Hz (features/flatness.ts) on a log scale, 0.001 (a
 *   few clean partials) → 0 … 1 (white noise) → 1. The corpus's clips read 0.007–0.17 between
 *   their 10th and 90th percentiles; a model conditioned on it can be asked for tonal music
 *   when the rest of the request (bright, fast) is what noisy clips of the corpus are.
 */
export function musicAffect(m: MusicAnalysis): AffectDescriptors {
  const T = m.dynamics.length;
  let mean = 0;
  for (const v of m.dynamics) mean += v / Math.max(1, T);
  const sorted = Float32Array.from(m.dynamics).sort();
  const loudness = clip01((mean - 10) / 40);
  const dynamicRange = clip01((percentile(sorted, 0.95) - percentile(sorted, 0.05)) / 30);

  const onsetRate = m.onsets.length / Math.max(m.durationS, 1e-6);
  const pace = clip01(Math.log2(1 + onsetRate) / Math.log2(9));

  // Spectral centroid over mel bands, weighted by magnitude (exp of the log-mel).
  const bands = m.logMel.bins;
  const lo = hzToMelSlaney(AUDIOLDM_MEL.fMin);
  const hi = hzToMelSlaney(AUDIOLDM_MEL.fMax);
  const centreHz = Array.from({ length: bands }, (_, b) =>
    melToHzSlaney(lo + ((hi - lo) * (b + 1)) / (bands + 1)),
  );
  let num = 0;
  let den = 0;
  for (let t = 0; t < m.logMel.frames; t++) {
    for (let b = 0; b < bands; b++) {
      const w = Math.exp(m.logMel.data[t * bands + b]);
      num += w * centreHz[b];
      den += w;
    }
  }
  const centroid = den > 0 ? num / den : 250;
  const brightness = clip01(Math.log2(centroid / 250) / Math.log2(16));

  const meanChroma = new Float64Array(12);
  let strong = 0;
  for (let t = 0; t < m.chroma.frames; t++) {
    for (let c = 0; c < 12; c++) {
      const v = m.chroma.data[t * 12 + c];
      meanChroma[c] += v;
      if (v >= 0.5) strong++;
    }
  }
  let rMajor = -1;
  let rMinor = -1;
  for (let tonic = 0; tonic < 12; tonic++) {
    const rot = (p: number[]): number[] =>
      Array.from({ length: 12 }, (_, c) => p[(c - tonic + 12) % 12]);
    rMajor = Math.max(rMajor, keyCorrelation(meanChroma, rot(MAJOR)));
    rMinor = Math.max(rMinor, keyCorrelation(meanChroma, rot(MINOR)));
  }
  const mode = clip01(0.5 + (rMajor - rMinor));
  const density = clip01((strong / Math.max(1, m.chroma.frames) - 1) / 5);

  // Crescendo: least-squares slope of the dynamics in dB per second.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < T; t++) {
    const x = t / m.frameRate;
    sx += x;
    sy += m.dynamics[t];
    sxx += x * x;
    sxy += x * m.dynamics[t];
  }
  const slope = T > 1 ? (T * sxy - sx * sy) / (T * sxx - sx * sx) : 0;
  const crescendo = clip01(slope / 3);

  const v = AFFECT_MIXES.valence;
  const a = AFFECT_MIXES.arousal;
  return {
    brightness,
    pace,
    valence: clip01(v.mode * mode + v.brightness * brightness + v.pace * pace),
    arousal: clip01(a.loudness * loudness + a.pace * pace + a.brightness * brightness),
    tension: clip01(0.4 * (1 - mode) + 0.3 * density + 0.3 * crescendo),
    loudness,
    dynamicRange,
    mode,
    density,
    noisiness: noisinessLevel(spectralFlatness(m.audio, { ...FLATNESS, sampleRate: m.sampleRate })),
  };
}

/** Spectral flatness (0–1) → the noisiness level: log scale, 0.001 → 0 … 1 → 1. */
export function noisinessLevel(flatness: number): number {
  return clip01((Math.log10(Math.max(flatness, 1e-12)) + 3) / 3);
}
