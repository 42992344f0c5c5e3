import { AFFECT_NAMES, clip01, type AffectName } from './affect.js';
import { CORPUS_AFFECT_QUANTILES } from './corpus-affect-quantiles.js';

/**
 * Calibration of the video side of the affect space onto the music side.
 *
 * The video descriptors (src/film/film-analysis.ts) are *levels*: 0 is the calmest, darkest
 * picture their anchors describe, 1 the most intense, 0.5 a medium one. The music
 * descriptors are measurements whose spread is whatever the music has. A model trained on
 * music descriptors only knows the music's distribution, so a level is read as a quantile
 * of it: level x → the music's (2 + 96·x)-th percentile (quantile matching, with the tails
 * trimmed so that one extreme clip does not set the scale). A medium-paced film then asks
 * for the corpus's median pace, a frantic one for its 98th percentile.
 *
 * A model folder carries the quantiles of its own training set; without one, the built-in
 * corpus's (corpus-affect-quantiles.ts) are used.
 */
export type AffectQuantiles = Partial<Record<AffectName, readonly number[]>>;

/** Levels the quantile tables are taken at: 0, 0.05, …, 1 ↦ percentiles 2, 6.8, …, 98. */
export const CALIBRATION_POINTS = 21;
const LOW = 0.02;
const HIGH = 0.98;

/** The quantile table of one descriptor's samples (linear interpolation, as numpy's default). */
export function quantileTable(samples: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(samples).sort();
  if (!sorted.length) throw new Error('quantileTable: no samples');
  return Array.from({ length: CALIBRATION_POINTS }, (_, i) => {
    const q = LOW + ((HIGH - LOW) * i) / (CALIBRATION_POINTS - 1);
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  });
}

/**
 * Quantile tables of every descriptor, from per-clip descriptor vectors (AFFECT_NAMES order).
 * Vectors from a cache that predates a descriptor (shorter) give no table for it.
 */
export function affectQuantiles(vectors: readonly ArrayLike<number>[]): AffectQuantiles {
  return Object.fromEntries(
    AFFECT_NAMES.flatMap((name, k) =>
      vectors.length && vectors.every((v) => k < v.length)
        ? [[name, quantileTable(vectors.map((v) => v[k]))]]
        : [],
    ),
  );
}

/** A level 0–1 through a quantile table (piecewise linear, monotone). */
export function levelToQuantile(level: number, table: readonly number[]): number {
  const x = clip01(level) * (table.length - 1);
  const i = Math.min(Math.floor(x), table.length - 2);
  return table[i] + (table[i + 1] - table[i]) * (x - i);
}

/** Video-side levels → the music side's scale, descriptor by descriptor. */
export function calibrateLevels<K extends AffectName>(
  levels: Record<K, number>,
  quantiles: AffectQuantiles = CORPUS_AFFECT_QUANTILES,
): Record<K, number> {
  return Object.fromEntries(
    Object.entries<number>(levels).map(([k, v]) => {
      const table = quantiles[k as AffectName];
      return [k, table ? levelToQuantile(v, table) : v];
    }),
  ) as Record<K, number>;
}
