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
  /** Sample rate the energy is read at (the bins' frequencies). */
  sampleRate: number;
  /** Lowest frequency counted (Hz): bins below it (DC, subsonic rumble) are left out. */
  minHz: number;
}

/**
 * The dynamics control c_dyn (HPM §3): per-frame energy Σ_f |X_t(f)|² of the linear
 * spectrogram (AudioLDM's STFT: n_fft 1024, hop 160), in dB, smoothed by Savitzky–Golay.
 *
 * The sum covers the audible band only, from `minHz` (20 Hz: bins 2 and up at 16 kHz). Many
 * recordings carry a DC offset or subsonic rumble no one hears, and the full sum follows it:
 * in 4 of 12 crops of outside soundtrack music, bins 0–1 (0–16 Hz) held 49–95 % of the energy,
 * and in the corpus's training clips 39 % or more in one clip of ten (BENCHMARKS, "Dynamics
 * of the audible band"). There the "dynamics" were the offset's wobble, which neither a
 * mel (its lowest band centred at 23 Hz) nor a listener perceives.
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
  sampleRate: 16000,
  minHz: 20,
});

/** The first bin the energy counts: the lowest whose frequency reaches `minHz`. */
export function firstEnergyBin(
  opts: Pick<DynamicsOptions, 'nFft' | 'sampleRate' | 'minHz'>,
): number {
  return Math.ceil((opts.minHz * opts.nFft) / opts.sampleRate);
}

/** Σ_f |X_t(f)|² over the audible bins (firstEnergyBin..nFft/2) as a one-row projection. */
export function energyProjection(
  opts: Pick<DynamicsOptions, 'nFft' | 'sampleRate' | 'minHz'> = DYNAMICS,
): SpectralProjection {
  const first = firstEnergyBin(opts);
  const entries = Array.from({ length: opts.nFft / 2 + 1 - first }, (_, i) => ({
    bin: first + i,
    row: 0,
    weight: 1,
  }));
  return sparseProjection(1, false, entries);
}

/** A frame energy in dB, floored so silence stays finite. */
export function energyToDb(energy: number, floorDb: number): number {
  return 10 * Math.log10(Math.max(energy, 10 ** (floorDb / 10)));
}

/** Unsmoothed frame energy in dB (10·log10 Σ|X|² over the audible bins, floored). */
export function frameEnergyDb(x: Float32Array, opts: DynamicsOptions = DYNAMICS): Float32Array {
  const out = new Float32Array(frameCount(x.length, opts));
  forEachStftFrame(x, opts, (t, { projected: [e] }) => (out[t] = energyToDb(e[0], opts.floorDb)), {
    projections: [energyProjection(opts)],
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
