import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** A Gaussian fit of embeddings: mean and (unbiased, ddof 1) covariance, as numpy's np.cov. */
export interface GaussianFit {
  mean: Float64Array;
  cov: Matrix;
  count: number;
}

export function gaussianFit(embeddings: readonly ArrayLike<number>[]): GaussianFit {
  const n = embeddings.length;
  if (n < 2) throw new RangeError(`a Gaussian fit needs at least 2 embeddings, got ${n}`);
  const d = embeddings[0].length;
  const mean = new Float64Array(d);
  for (const e of embeddings) for (let i = 0; i < d; i++) mean[i] += e[i] / n;
  // Accumulate the upper triangle in a flat array (fast), then fill the symmetric matrix.
  const acc = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (const e of embeddings) {
    for (let i = 0; i < d; i++) c[i] = e[i] - mean[i];
    for (let i = 0; i < d; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      for (let j = i; j < d; j++) acc[i * d + j] += ci * c[j];
    }
  }
  const cov = Matrix.zeros(d, d);
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const v = acc[i * d + j] / (n - 1);
      cov.set(i, j, v);
      cov.set(j, i, v);
    }
  return { mean, cov, count: n };
}

/** Square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0). */
export function sqrtPsd(a: Matrix): Matrix {
  const eig = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const v = eig.eigenvectorMatrix;
  const d = eig.realEigenvalues.map((x) => Math.sqrt(Math.max(0, x)));
  // ml-matrix scales in place: take the transpose first.
  const vt = v.transpose();
  return v.mulRowVector(d).mmul(vt);
}

/**
 * Fréchet distance between two Gaussians (FID / FAD):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^{1/2}.
 * The trace of the non-symmetric (Σ₁Σ₂)^{1/2} equals that of the symmetric
 * (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}, whose square root two symmetric eigendecompositions give
 * stably (scipy's sqrtm takes a Schur route to the same number; a test checks they agree).
 */
export function frechetDistance(a: GaussianFit, b: GaussianFit): number {
  let diff = 0;
  for (let i = 0; i < a.mean.length; i++) diff += (a.mean[i] - b.mean[i]) ** 2;
  const s1 = sqrtPsd(a.cov);
  const inner = s1.mmul(b.cov).mmul(s1);
  // Symmetrise against round-off before the second decomposition.
  const sym = inner.add(inner.transpose()).div(2);
  const eig = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  const trCovmean = eig.realEigenvalues.reduce((s, x) => s + Math.sqrt(Math.max(0, x)), 0);
  return diff + a.cov.trace() + b.cov.trace() - 2 * trCovmean;
}
