import type { Hertz } from '../units.js';
import { sparseProjection, type SpectralProjection } from './fft.js';
import {
  forEachStftFrame,
  frameCount,
  type IndexRange,
  type Spectrogram,
  type StftOptions,
} from './stft.js';

/** Slaney's mel scale (librosa htk=False, torchaudio mel_scale="slaney"): linear to 1 kHz, log above. */
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMelSlaney(hz: Hertz): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

export function melToHzSlaney(mel: number): Hertz {
  return mel < MIN_LOG_MEL ? mel * F_SP : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

export interface MelOptions extends StftOptions {
  sampleRate: Hertz;
  nMels: number;
  fMin: Hertz;
  fMax: Hertz;
  /** 1: mel of the magnitude (AudioLDM); 2: mel of the power (librosa's default). */
  power: 1 | 2;
}

/**
 * AudioLDM's front end (HPM §2): 16 kHz, n_fft 1024, hop 160 (100 frames/s), window 1024,
 * 64 Slaney mel bands with Slaney area normalisation over 0–8 kHz, of the STFT magnitude.
 * 1024 frames = 10.24 s.
 */
export const AUDIOLDM_MEL: Readonly<MelOptions> = Object.freeze({
  sampleRate: 16000,
  nFft: 1024,
  hopLength: 160,
  winLength: 1024,
  center: true,
  padMode: 'reflect',
  nMels: 64,
  fMin: 0,
  fMax: 8000,
  power: 1,
});

/** One triangular filter, stored sparsely: weights for FFT bins start..start+weights.length-1. */
export interface MelFilter {
  start: number;
  weights: Float32Array;
}

/**
 * Slaney-normalised triangular mel filters over the FFT bins of `nFft` (librosa.filters.mel
 * with htk=False, norm='slaney'; torchaudio melscale_fbanks with norm and mel_scale 'slaney').
 */
export function melFilterBank(
  opts: Pick<MelOptions, 'sampleRate' | 'nFft' | 'nMels' | 'fMin' | 'fMax'>,
): MelFilter[] {
  const bins = opts.nFft / 2 + 1;
  const lo = hzToMelSlaney(opts.fMin);
  const hi = hzToMelSlaney(opts.fMax);
  const edges = Array.from({ length: opts.nMels + 2 }, (_, i) =>
    melToHzSlaney(lo + ((hi - lo) * i) / (opts.nMels + 1)),
  );
  const binHz = (k: number): number => (k * (opts.sampleRate / 2)) / (bins - 1);
  const filters: MelFilter[] = [];
  for (let m = 0; m < opts.nMels; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const enorm = 2 / (right - left); // equal area per filter (Slaney)
    const w: number[] = [];
    let start = -1;
    for (let k = 0; k < bins; k++) {
      const f = binHz(k);
      const up = (f - left) / (centre - left);
      const down = (right - f) / (right - centre);
      const v = Math.max(0, Math.min(up, down));
      if (v > 0) {
        if (start < 0) start = k;
        w.length = k - start;
        w.push(v * enorm);
      }
    }
    filters.push({ start: Math.max(start, 0), weights: Float32Array.from(w, (v) => v || 0) });
  }
  return filters;
}

/** The filter bank as a projection applied inside the FFT (of |X| when power is 1). */
export function melProjection(opts: MelOptions): SpectralProjection {
  const entries = melFilterBank(opts).flatMap(({ start, weights }, row) =>
    Array.from(weights, (weight, j) => ({ bin: start + j, row, weight })),
  );
  return sparseProjection(opts.nMels, opts.power === 1, entries);
}

/** Frames [range.start, range.end) of the mel spectrogram into `out` (T × nMels, full length). */
export function melFramesInto(
  x: Float32Array,
  opts: MelOptions,
  out: Float32Array,
  range?: IndexRange,
): number {
  return forEachStftFrame(x, opts, (t, { projected: [mel] }) => out.set(mel, t * opts.nMels), {
    range,
    projections: [melProjection(opts)],
  });
}

/** Mel spectrogram (linear amplitude), frame-major T × nMels. */
export function melSpectrogram(x: Float32Array, opts: MelOptions = AUDIOLDM_MEL): Spectrogram {
  const data = new Float32Array(frameCount(x.length, opts) * opts.nMels);
  const frames = melFramesInto(x, opts, data);
  return { frames, bins: opts.nMels, data };
}

/** The floor of AudioLDM's log compression (its spectral_normalize clamps at 1e-5). */
export const AUDIOLDM_LOG_FLOOR = 1e-5;

/** AudioLDM's dynamic-range compression: natural log of the mel magnitude, floored at 1e-5. */
export function logCompress(mel: Spectrogram, floor = AUDIOLDM_LOG_FLOOR): Spectrogram {
  const data = new Float32Array(mel.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.log(Math.max(mel.data[i], floor));
  return { frames: mel.frames, bins: mel.bins, data };
}

/** log(clamp(mel, 1e-5)) of AudioLDM's front end: the representation the VAE encodes. */
export function logMelSpectrogram(x: Float32Array, opts: MelOptions = AUDIOLDM_MEL): Spectrogram {
  return logCompress(melSpectrogram(x, opts));
}

/**
 * A frame-major spectrogram transposed to [band × frame] (row-major by band): the layout of
 * the VAE decoder's output and the vocoder's input.
 */
export function bandMajor(s: Spectrogram): Float32Array {
  const out = new Float32Array(s.data.length);
  for (let t = 0; t < s.frames; t++)
    for (let b = 0; b < s.bins; b++) out[b * s.frames + t] = s.data[t * s.bins + b];
  return out;
}

/** The log-mel of a signal in the decoder's [band × frame] layout, with its frame count. */
export function logMelBandMajor(
  x: Float32Array,
  opts: MelOptions = AUDIOLDM_MEL,
): { data: Float32Array; frames: number } {
  const s = logMelSpectrogram(x, opts);
  return { data: bandMajor(s), frames: s.frames };
}
