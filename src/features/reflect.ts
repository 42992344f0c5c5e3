/**
 * Index of sample `i` of an `n`-sample signal extended by reflection about its end samples,
 * without repeating them: x[-1] = x[1], x[n] = x[n-2] (torch's "reflect" padding, scipy's
 * "mirror" mode). Any i, however far outside, folds back into [0, n).
 */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * (n - 1) || 1;
  const j = ((i % period) + period) % period;
  return j >= n ? period - j : j;
}
