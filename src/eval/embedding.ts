import { AUDIOLDM_MEL, logMelBandMajor } from '../features/mel.js';

/**
 * The weightless audio embedding (`--audio-model mfcc-stats`; the learned default is
 * filmscore-style, audio-models/audio-model.ts): 20 MFCCs (DCT-II of the AudioLDM log-mel,
 * 16 kHz) per frame, their mean and standard deviation over
 * the clip (40 values). It sees timbre and its spread, not rhythm or harmony, and its numbers
 * are not comparable with VGGish or PANN FADs.
 */
export const MFCC_STATS = { name: 'mfcc-stats', dims: 40, coefficients: 20 } as const;

/** The embedding of a log-mel laid out [band × frame] (the decoder's layout). */
export function mfccStatsOfMel(mel: Float32Array, frames: number, bands = 64): Float64Array {
  const K = MFCC_STATS.coefficients;
  const mean = new Float64Array(K);
  const sq = new Float64Array(K);
  const basis = Array.from({ length: K }, (_, k) =>
    Float64Array.from({ length: bands }, (_, b) => Math.cos((Math.PI * k * (b + 0.5)) / bands)),
  );
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < K; k++) {
      let c = 0;
      const w = basis[k];
      for (let b = 0; b < bands; b++) c += mel[b * frames + t] * w[b];
      mean[k] += c / frames;
      sq[k] += (c * c) / frames;
    }
  }
  const out = new Float64Array(2 * K);
  for (let k = 0; k < K; k++) {
    out[k] = mean[k];
    out[K + k] = Math.sqrt(Math.max(0, sq[k] - mean[k] * mean[k]));
  }
  return out;
}

/** The embedding of 16 kHz mono audio. */
export function mfccStats(x16k: Float32Array): Float64Array {
  const { data, frames } = logMelBandMajor(x16k, AUDIOLDM_MEL);
  return mfccStatsOfMel(data, frames, AUDIOLDM_MEL.nMels);
}
