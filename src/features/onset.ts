import type { Hertz, Seconds } from '../units.js';
import { melFramesInto } from './mel.js';
import { peakPick, type PeakPickOptions } from './peak-pick.js';
import { frameCount, type IndexRange, type StftOptions } from './stft.js';

export interface OnsetStrengthOptions extends StftOptions {
  sampleRate: Hertz;
  nMels: number;
  /** Frames between the compared spectra. */
  lag: number;
}

/**
 * librosa.onset.onset_strength's defaults, the front end LORIS's rhythm metrics use:
 * 22,050 Hz, n_fft 2048, hop 512 (≈ 43 frames/s), 128 Slaney mel bands of the power spectrum
 * over 0 – sr/2, centred frames with zero padding (librosa ≥ 0.10), lag 1.
 */
export const LIBROSA_ONSET: Readonly<OnsetStrengthOptions> = Object.freeze({
  sampleRate: 22050,
  nFft: 2048,
  hopLength: 512,
  winLength: 2048,
  center: true,
  padMode: 'constant',
  nMels: 128,
  lag: 1,
});

/** The peak-picking parameters LORIS's beats_scores.py passes to librosa.onset.onset_detect. */
export const LORIS_PEAK_PICK: Readonly<PeakPickOptions> = Object.freeze({
  preMax: 3,
  postMax: 3,
  preAvg: 3,
  postAvg: 3,
  delta: 0.2,
  wait: 1,
});

/**
 * Spectral-flux onset strength: mel power → dB (ref 1, floor 1e-10, 80 dB range below the
 * maximum) → positive first difference over `lag` frames → mean over bands, shifted right by
 * lag + n_fft/(2·hop) frames so that, with centred frames, peaks sit at the onset.
 */
export function onsetStrength(
  x: Float32Array,
  opts: OnsetStrengthOptions = LIBROSA_ONSET,
): Float32Array {
  const frames = frameCount(x.length, opts);
  const melDb = new Float32Array(frames * opts.nMels);
  onsetMelDbInto(x, opts, melDb, { start: 0, end: frames });
  return onsetEnvelopeFromMelDb(melDb, frames, opts);
}

/**
 * Stage 1, frame by frame: 10·log10(max(10⁻¹⁰, mel power)) of frames [range.start, range.end)
 * into `out` (T × nMels, full length).
 */
export function onsetMelDbInto(
  x: Float32Array,
  opts: OnsetStrengthOptions,
  out: Float32Array,
  range: IndexRange,
): void {
  const melOpts = { ...opts, fMin: 0, fMax: opts.sampleRate / 2, power: 2 as const };
  melFramesInto(x, melOpts, out, range);
  const end = Math.min(range.end, out.length / opts.nMels) * opts.nMels;
  for (let i = range.start * opts.nMels; i < end; i++)
    out[i] = 10 * Math.log10(Math.max(1e-10, out[i]));
}

/**
 * Stage 2, over the whole piece (librosa's 80 dB floor is relative to the global maximum):
 * floor, positive flux, mean over bands, shift. Overwrites `melDb` with the floored values.
 */
export function onsetEnvelopeFromMelDb(
  melDb: Float32Array,
  frames: number,
  opts: OnsetStrengthOptions,
): Float32Array {
  const db = melDb;
  let max = -Infinity;
  for (let i = 0; i < db.length; i++) if (db[i] > max) max = db[i];
  const floor = max - 80;
  for (let i = 0; i < db.length; i++) if (db[i] < floor) db[i] = floor;

  const env = new Float32Array(frames);
  const shift =
    opts.lag + (opts.center === false ? 0 : Math.floor(opts.nFft / (2 * opts.hopLength)));
  for (let t = opts.lag; t < frames; t++) {
    let acc = 0;
    const a = t * opts.nMels;
    const b = (t - opts.lag) * opts.nMels;
    for (let m = 0; m < opts.nMels; m++) {
      const d = db[a + m] - db[b + m];
      if (d > 0) acc += d;
    }
    const at = t - opts.lag + shift;
    if (at < frames) env[at] = acc / opts.nMels;
  }
  return env;
}

/**
 * Onset frames from an onset-strength envelope: scaled to [0, 1] (librosa's normalize=True),
 * then greedy peak picking. Empty for a flat envelope.
 */
export function detectOnsetFrames(
  envelope: Float32Array,
  pick: PeakPickOptions = LORIS_PEAK_PICK,
): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of envelope) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo) || !Number.isFinite(hi)) return [];
  const scaled = Float32Array.from(envelope, (v) => (v - lo) / (hi - lo));
  return peakPick(scaled, pick);
}

/** Audio → onset times in seconds (librosa front end, LORIS peak picking). */
export function detectOnsets(
  x: Float32Array,
  opts: OnsetStrengthOptions = LIBROSA_ONSET,
  pick: PeakPickOptions = LORIS_PEAK_PICK,
): Seconds[] {
  return detectOnsetFrames(onsetStrength(x, opts), pick).map(
    (f) => (f * opts.hopLength) / opts.sampleRate,
  );
}
