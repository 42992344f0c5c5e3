import { reflectIndex } from './reflect.js';

/**
 * Savitzky–Golay smoothing, as scipy.signal.savgol_filter(x, window, order) with deriv=0:
 * each output is the value at that sample of a least-squares polynomial of degree `order`
 * fitted to the `window` samples around it.
 *
 * Edge modes follow scipy: 'interp' (scipy's default) fits one polynomial to the first and
 * last `window` samples and evaluates it at the edge positions; 'nearest' repeats the edge
 * sample; 'mirror' reflects about the edge sample.
 */
export type SavgolMode = 'interp' | 'nearest' | 'mirror';

export interface SavgolOptions {
  /** Odd number of samples in the fitting window. */
  window: number;
  /** Polynomial degree, < window. */
  order: number;
  mode?: SavgolMode;
}

/** Solve the (order+1)² normal equations by Gauss–Jordan elimination with partial pivoting. */
function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * The window's "hat" matrix H (window × window): H[i][k] is the weight of sample k in the
 * fitted value at position i. Its middle row is the smoothing kernel; the other rows give the
 * polynomial's values near the edges for 'interp'. Positions are scaled to [-1, 1] so the
 * normal equations stay well conditioned for long windows.
 */
export function savgolHatMatrix(window: number, order: number): Float64Array[] {
  const half = (window - 1) / 2;
  const u = Array.from({ length: window }, (_, i) => (half === 0 ? 0 : (i - half) / half));
  const powers = u.map((v) => Array.from({ length: order + 1 }, (_, j) => v ** j));
  const ata = Array.from({ length: order + 1 }, (_, a) =>
    Array.from({ length: order + 1 }, (_, b) => powers.reduce((s, p) => s + p[a] * p[b], 0)),
  );
  const inv = invert(ata);
  return powers.map((pi) => {
    const row = new Float64Array(window);
    const q = inv.map((r) => r.reduce((s, v, j) => s + v * pi[j], 0)); // (AᵀA)⁻¹ pᵢ
    for (let k = 0; k < window; k++) row[k] = powers[k].reduce((s, v, j) => s + v * q[j], 0);
    return row;
  });
}

/** Hat matrices by (window, order): building one costs more than filtering 1 000 samples. */
const hatMatrices = new Map<string, readonly Float64Array[]>();

function cachedHatMatrix(window: number, order: number): readonly Float64Array[] {
  const key = `${window}/${order}`;
  let H = hatMatrices.get(key);
  if (!H) {
    H = savgolHatMatrix(window, order);
    hatMatrices.set(key, H);
  }
  return H;
}

export function savgolFilter(x: ArrayLike<number>, opts: SavgolOptions): Float32Array {
  const { window, order } = opts;
  const mode = opts.mode ?? 'interp';
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) {
    throw new RangeError(`Savitzky–Golay window must be a positive odd integer, got ${window}`);
  }
  if (!Number.isInteger(order) || order < 0 || order >= window) {
    throw new RangeError(`Savitzky–Golay order must be an integer in [0, window), got ${order}`);
  }
  const n = x.length;
  if (mode === 'interp' && window > n) {
    throw new RangeError(
      `'interp' mode needs window (${window}) ≤ signal length (${n}); shorten the window`,
    );
  }
  const H = cachedHatMatrix(window, order);
  const half = (window - 1) / 2;
  const kernel = H[half];
  const y = new Float32Array(n);
  const at = (i: number): number => {
    if (i >= 0 && i < n) return x[i];
    if (mode === 'nearest') return x[i < 0 ? 0 : n - 1];
    return x[reflectIndex(i, n)]; // mirror
  };
  for (let i = 0; i < n; i++) {
    const lo = i - half;
    let acc = 0;
    if (lo >= 0 && i + half < n) {
      for (let k = 0; k < window; k++) acc += kernel[k] * x[lo + k];
    } else if (mode === 'interp') {
      continue; // filled from the edge fits below
    } else {
      for (let k = 0; k < window; k++) acc += kernel[k] * at(lo + k);
    }
    y[i] = acc;
  }
  if (mode === 'interp') {
    for (let i = 0; i < half; i++) {
      let left = 0;
      let right = 0;
      for (let k = 0; k < window; k++) {
        left += H[i][k] * x[k];
        right += H[half + 1 + i][k] * x[n - window + k];
      }
      y[i] = left;
      y[n - half + i] = right;
    }
  }
  return y;
}
