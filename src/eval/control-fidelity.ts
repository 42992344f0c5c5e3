import { pearson } from '../util/statistics.js';

/**
 * Control fidelity (HPM §5): how well a generation follows its melody and dynamics controls,
 * measured by extracting the same controls from the output (src/features/melody.ts,
 * dynamics.ts) and comparing frame by frame.
 */

/** Share of frames whose pitch class (argmax of chroma) matches the input control. */
export function melodyAccuracy(control: ArrayLike<number>, extracted: ArrayLike<number>): number {
  const n = Math.min(control.length, extracted.length);
  if (!n) return NaN;
  let hits = 0;
  for (let i = 0; i < n; i++) if (control[i] === extracted[i]) hits++;
  return hits / n;
}

/** Pearson r over the frames of every pair pooled (each pair cut to its shorter side). */
function pooledCorrelation(pairs: readonly [ArrayLike<number>, ArrayLike<number>][]): number {
  const x: number[] = [];
  const y: number[] = [];
  for (const [a, b] of pairs) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      x.push(a[i]);
      y.push(b[i]);
    }
  }
  return pearson(x, y);
}

/** Pearson r between a dynamics control and the dynamics extracted from the output. */
export function dynamicsCorrelation(
  control: ArrayLike<number>,
  extracted: ArrayLike<number>,
): number {
  return pearson(control, extracted);
}

/**
 * Over many generations: micro = r per generation, then averaged; macro = r over all frames
 * pooled (DESIGN.md's definitions).
 */
export function dynamicsCorrelations(pairs: readonly [ArrayLike<number>, ArrayLike<number>][]): {
  micro: number;
  macro: number;
} {
  const rs = pairs.map(([c, e]) => dynamicsCorrelation(c, e)).filter((r) => Number.isFinite(r));
  return {
    micro: rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : NaN,
    macro: pooledCorrelation(pairs),
  };
}
