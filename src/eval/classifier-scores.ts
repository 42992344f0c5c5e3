/**
 * Scores over a classifier's outputs, as audioldm_eval computes them from logits.
 *
 * KL (paired generated / reference clips): Σ_c p_ref,c (log p_ref,c − log(p_gen,c + 1e-6)),
 * summed over classes and averaged over pairs (torch's kl_div with reduction "sum" / N), with
 * p = softmax(logits) ("softmax" variant) or p = sigmoid(logits) per class ("sigmoid",
 * better for multi-label classifiers such as PANN's AudioSet head).
 *
 * IS: exp(E_x KL(p(y|x) ‖ p(y))) per split of the generated clips (10 splits), mean and
 * population standard deviation over splits (torch-fidelity's), without its shuffle.
 */
const EPS = 1e-6;

function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

const sigmoid = (logits: ArrayLike<number>): Float64Array =>
  Float64Array.from(logits, (v) => 1 / (1 + Math.exp(-v)));

export function klDivergence(
  generated: readonly ArrayLike<number>[],
  reference: readonly ArrayLike<number>[],
  variant: 'softmax' | 'sigmoid',
): number {
  if (generated.length !== reference.length || !generated.length) {
    throw new RangeError(
      `KL needs paired clips: ${generated.length} generated, ${reference.length} reference`,
    );
  }
  const f = variant === 'softmax' ? softmax : sigmoid;
  let total = 0;
  generated.forEach((g, i) => {
    const q = f(g);
    const p = f(reference[i]);
    for (let c = 0; c < p.length; c++)
      if (p[c] > 0) total += p[c] * (Math.log(p[c]) - Math.log(q[c] + EPS));
  });
  return total / generated.length;
}

export function inceptionScore(
  logits: readonly ArrayLike<number>[],
  splits = 10,
): { mean: number; std: number } {
  const n = logits.length;
  if (n < splits)
    throw new RangeError(`IS with ${splits} splits needs at least ${splits} clips, got ${n}`);
  const p = logits.map(softmax);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const chunk = p.slice(Math.floor((s * n) / splits), Math.floor(((s + 1) * n) / splits));
    const classes = chunk[0].length;
    const q = new Float64Array(classes);
    for (const row of chunk) for (let c = 0; c < classes; c++) q[c] += row[c] / chunk.length;
    let kl = 0;
    for (const row of chunk)
      for (let c = 0; c < classes; c++)
        if (row[c] > 0) kl += row[c] * (Math.log(row[c]) - Math.log(q[c]));
    scores.push(Math.exp(kl / chunk.length));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std };
}
