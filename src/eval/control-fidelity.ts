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

function pearsonParts(pairs: readonly [ArrayLike<number>, ArrayLike<number>][]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of pairs) {
    const m = Math.min(x.length, y.length);
    for (let i = 0; i < m; i++) {
      sx += x[i];
      sy += y[i];
    }
    n += m;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    const m = Math.min(x.length, y.length);
    for (let i = 0; i < m; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Pearson r between a dynamics control and the dynamics extracted from the output. */
export function dynamicsCorrelation(
  control: ArrayLike<number>,
  extracted: ArrayLike<number>,
): number {
  return pearsonParts([[control, extracted]]);
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
    macro: pearsonParts(pairs),
  };
}
