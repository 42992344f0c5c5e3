/** A 1-2-5 step for axis ticks: the smallest of 1, 2, 5, 10 × 10^k giving at most ~target ticks. */
export function niceStep(span: number, target: number): number {
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}
