import { chromaFramesInto, MELODY_CHROMA } from '../features/chroma.js';
import { DYNAMICS, energyProjection, energyToDb } from '../features/dynamics.js';
import { AUDIOLDM_LOG_FLOOR, AUDIOLDM_MEL, melProjection } from '../features/mel.js';
import { LIBROSA_ONSET, onsetMelDbInto } from '../features/onset.js';
import { resampledLength, resampleInto } from '../features/resample.js';
import { forEachStftFrame, frameCount, type IndexRange } from '../features/stft.js';

/**
 * The frame-wise work of the music front end, laid out in shared memory so that threads can
 * each fill a share of every buffer. Every frame (and every resampled sample) depends only on
 * the input, so splitting changes nothing in the result; what needs the whole piece (argmax,
 * smoothing, the onset envelope's global floor) happens afterwards, on one thread.
 */
export interface FrontEndBuffers {
  /** Mono input at 22,050 Hz (the rhythm clock). */
  x22: Float32Array;
  /** The same at 16 kHz (the model clock). */
  x16: Float32Array;
  /** AudioLDM log-mel, T16 × 64. */
  logMel: Float32Array;
  /** Unsmoothed frame energy in dB, T16. */
  energyDb: Float32Array;
  /** Chroma (max-normalised), T16 × 12. */
  chroma: Float32Array;
  /** librosa-style mel power in dB (before the global 80 dB floor) for onsets, T22 × 128. */
  onsetMelDb: Float32Array;
}

/** Mel and dynamics share one STFT pass, which holds only while their framing is the same. */
const SHARED_STFT = (
  ['nFft', 'hopLength', 'winLength', 'center', 'padMode', 'sampleRate'] as const
).every((k) => AUDIOLDM_MEL[k] === DYNAMICS[k]);
if (!SHARED_STFT) throw new Error('front end: AUDIOLDM_MEL and DYNAMICS must share STFT framing');

function shared(length: number, shareMemory: boolean): Float32Array {
  return shareMemory
    ? new Float32Array(new SharedArrayBuffer(length * 4))
    : new Float32Array(length);
}

export function allocateFrontEnd(x22: Float32Array, shareMemory: boolean): FrontEndBuffers {
  const n16 = resampledLength(x22.length, LIBROSA_ONSET.sampleRate, AUDIOLDM_MEL.sampleRate);
  const t16 = frameCount(n16, AUDIOLDM_MEL);
  const t22 = frameCount(x22.length, LIBROSA_ONSET);
  const input = shared(x22.length, shareMemory);
  input.set(x22);
  return {
    x22: input,
    x16: shared(n16, shareMemory),
    logMel: shared(t16 * AUDIOLDM_MEL.nMels, shareMemory),
    energyDb: shared(t16, shareMemory),
    chroma: shared(frameCount(n16, MELODY_CHROMA) * 12, shareMemory),
    onsetMelDb: shared(t22 * LIBROSA_ONSET.nMels, shareMemory),
  };
}

/** Share `index` of `count` equal parts of [0, total). */
export function shareOf(total: number, index: number, count: number): IndexRange {
  return {
    start: Math.floor((total * index) / count),
    end: Math.floor((total * (index + 1)) / count),
  };
}

/** Phase 1: this share of the 22.05 → 16 kHz resampling. */
export function resampleShare(b: FrontEndBuffers, index: number, count: number): void {
  const range = shareOf(b.x16.length, index, count);
  resampleInto(b.x22, LIBROSA_ONSET.sampleRate, AUDIOLDM_MEL.sampleRate, b.x16, range);
}

/** Phase 2 (after every share of phase 1): this share of every frame-wise product. */
export function framesShare(b: FrontEndBuffers, index: number, count: number): void {
  const t16 = b.energyDb.length;
  forEachStftFrame(
    b.x16,
    AUDIOLDM_MEL,
    (t, { projected: [mel, energy] }) => {
      // fround: the same float32 mel that melSpectrogram stores, so both paths agree exactly.
      const o = t * AUDIOLDM_MEL.nMels;
      for (let m = 0; m < mel.length; m++)
        b.logMel[o + m] = Math.log(Math.max(Math.fround(mel[m]), AUDIOLDM_LOG_FLOOR));
      b.energyDb[t] = energyToDb(energy[0], DYNAMICS.floorDb);
    },
    {
      range: shareOf(t16, index, count),
      projections: [melProjection(AUDIOLDM_MEL), energyProjection(DYNAMICS)],
    },
  );
  chromaFramesInto(b.x16, MELODY_CHROMA, b.chroma, shareOf(b.chroma.length / 12, index, count));
  const t22 = b.onsetMelDb.length / LIBROSA_ONSET.nMels;
  onsetMelDbInto(b.x22, LIBROSA_ONSET, b.onsetMelDb, shareOf(t22, index, count));
}
