/**
 * Originality vs recognizability (HPM §5, Figure 2). For each system, generations are grouped
 * by class (the style or piece they were asked to follow), and each class has one "shot", a
 * reference clip of that class.
 *
 * - originality of a class: the variance of the audio model's embeddings over that class's
 *   generations, as the paper's formula (§4.2.3): 1/(N − 1) · Σᵢ ‖f(mᵢ) − f̄‖², the trace of
 *   the sample covariance. High: the generations differ from one another.
 * - recognizability of a class: a one-shot classifier's accuracy on its generations — each
 *   generation is assigned the class whose shot embedding is nearest by cosine similarity.
 *
 * A system's point is the mean over its classes of both (the paper's Figure 2: "the average
 * of originality and recognizability over all categories").
 */

export interface ClassPoint {
  className: string;
  generations: number;
  originality: number;
  recognizability: number;
}

export interface SystemPoint {
  system: string;
  originality: number;
  recognizability: number;
  classes: ClassPoint[];
}

/** Sum of squared Euclidean distances to the centroid over N − 1 (0 for fewer than two). */
export function embeddingVariance(vectors: readonly ArrayLike<number>[]): number {
  const n = vectors.length;
  if (n < 2) return 0;
  const d = vectors[0].length;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let i = 0; i < d; i++) mean[i] += v[i] / n;
  let total = 0;
  for (const v of vectors) for (let i = 0; i < d; i++) total += (v[i] - mean[i]) ** 2;
  return total / (n - 1);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.max(Math.sqrt(aa * bb), 1e-30);
}

/** The class whose shot is nearest (cosine) to the embedding; ties go to the first. */
export function oneShotClass(
  embedding: ArrayLike<number>,
  shots: ReadonlyMap<string, ArrayLike<number>>,
): string {
  let best = '';
  let bestSim = -Infinity;
  for (const [name, shot] of shots) {
    const s = cosine(embedding, shot);
    if (s > bestSim) {
      bestSim = s;
      best = name;
    }
  }
  return best;
}

/** One system's point and its classes' points from its generations' embeddings per class. */
export function originalityAndRecognizability(
  system: string,
  generations: ReadonlyMap<string, readonly ArrayLike<number>[]>,
  shots: ReadonlyMap<string, ArrayLike<number>>,
): SystemPoint {
  const classes: ClassPoint[] = [];
  for (const [className, vectors] of generations) {
    if (!vectors.length) continue;
    const hits = vectors.filter((v) => oneShotClass(v, shots) === className).length;
    classes.push({
      className,
      generations: vectors.length,
      originality: embeddingVariance(vectors),
      recognizability: hits / vectors.length,
    });
  }
  const mean = (f: (c: ClassPoint) => number): number =>
    classes.reduce((a, c) => a + f(c), 0) / Math.max(1, classes.length);
  return {
    system,
    originality: mean((c) => c.originality),
    recognizability: mean((c) => c.recognizability),
    classes,
  };
}
