import { sparseProjection, type SpectralProjection } from './fft.js';
import { savgolFilter, type SavgolMode } from './savgol.js';
import { forEachStftFrame, frameCount, type StftOptions } from './stft.js';

export interface DynamicsOptions extends StftOptions {
  /** Savitzky–Golay window in frames (odd). Shrunk to the signal's length for short clips. */
  smoothWindow: number;
  /** Savitzky–Golay polynomial order. */
  smoothOrder: number;
  smoothMode?: SavgolMode;
  /** Floor of the energy before taking dB, so silence is finite. */
  floorDb: number;
}

/**
 * The dynamics control c_dyn (HPM §3): per-frame energy Σ_f |X_t(f)|² of the linear
 * spectrogram (AudioLDM's STFT: n_fft 1024, hop 160), in dB, smoothed by Savitzky–Golay.
 *
 * Defaults: the paper gives only "second order"; MuseControlLite smooths with a 279-frame,
 * order-1 filter. We keep MuseControlLite's 279-frame window (2.79 s at 100 frames/s: a
 * phrase-level envelope, not note-level flicker) with the paper's order 2, which follows a
 * swell's curvature instead of flattening its peak. Both are parameters.
 */
export const DYNAMICS: Readonly<DynamicsOptions> = Object.freeze({
  nFft: 1024,
  hopLength: 160,
  winLength: 1024,
  center: true,
  padMode: 'reflect',
  smoothWindow: 279,
  smoothOrder: 2,
  smoothMode: 'interp',
  floorDb: -100,
});

/** Σ_f |X_t(f)|² as a one-row projection over bins 0..nFft/2. */
export function energyProjection(nFft: number): SpectralProjection {
  const entries = Array.from({ length: nFft / 2 + 1 }, (_, bin) => ({ bin, row: 0, weight: 1 }));
  return sparseProjection(1, false, entries);
}

/** A frame energy in dB, floored so silence stays finite. */
export function energyToDb(energy: number, floorDb: number): number {
  return 10 * Math.log10(Math.max(energy, 10 ** (floorDb / 10)));
}

/** Unsmoothed frame energy in dB (10·log10 Σ|X|², floored). */
export function frameEnergyDb(x: Float32Array, opts: DynamicsOptions = DYNAMICS): Float32Array {
  const out = new Float32Array(frameCount(x.length, opts));
  forEachStftFrame(x, opts, (t, { projected: [e] }) => (out[t] = energyToDb(e[0], opts.floorDb)), {
    projections: [energyProjection(opts.nFft)],
  });
  return out;
}

/** Smooth an energy curve with the dynamics filter (window shrunk for clips shorter than it). */
export function smoothDynamics(
  energyDb: Float32Array,
  opts: DynamicsOptions = DYNAMICS,
): Float32Array {
  const n = energyDb.length;
  let window = Math.min(opts.smoothWindow, n % 2 === 1 ? n : n - 1);
  if (window <= opts.smoothOrder) return Float32Array.from(energyDb);
  if (window % 2 === 0) window -= 1;
  return savgolFilter(energyDb, { window, order: opts.smoothOrder, mode: opts.smoothMode });
}

/** Audio → dynamics control in dB per frame (100 frames/s with the defaults). */
export function dynamicsControl(x: Float32Array, opts: DynamicsOptions = DYNAMICS): Float32Array {
  return smoothDynamics(frameEnergyDb(x, opts), opts);
}
