import { detectOnsets, LORIS_PEAK_PICK } from '../features/onset.js';
import { peakPick } from '../features/peak-pick.js';
import type { Seconds } from '../units.js';
import { meanStd } from '../util/statistics.js';

/**
 * Rhythm correspondence as LORIS's beats_scores.py computes it (DESIGN.md "Metric
 * definitions"): onsets (librosa's onset_detect at 22,050 Hz, hop 512, LORIS's peak picking:
 * src/features/onset.ts) quantised to one slot per second; per clip, BCS = hits / generated
 * slots and BHS = hits / reference slots (0 when the denominator is 0), the reference cut to
 * the generated length; means over clips, CSD / HSD their sample standard deviations
 * (ddof 1), F1 from the two means.
 */

/** One slot per started second: slot ⌊t⌋ is 1 when an onset falls in it. */
export function onsetSlots(onsets: readonly Seconds[], durationS: Seconds): Uint8Array {
  const slots = new Uint8Array(Math.ceil(durationS));
  for (const t of onsets) {
    const k = Math.trunc(t);
    if (k >= 0 && k < slots.length) slots[k] = 1;
  }
  return slots;
}

/** Slots of a 22,050 Hz mono signal. */
export function signalSlots(x22k: Float32Array): Uint8Array {
  return onsetSlots(detectOnsets(x22k), x22k.length / 22050);
}

/**
 * The picture's motion onsets: peaks of the motion curve (one value per frame at `fps`),
 * found as the audio onsets are — the curve scaled to 0–1 (librosa's onset_detect normalises
 * its envelope so) and LORIS's peak picking (±3 frames, delta 0.2, wait 1) over it.
 */
export function motionPeaks(motion: ArrayLike<number>, fps: number): Seconds[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < motion.length; i++) {
    lo = Math.min(lo, motion[i]);
    hi = Math.max(hi, motion[i]);
  }
  if (!(hi > lo)) return [];
  const scaled = Float32Array.from(motion, (v) => (v - lo) / (hi - lo));
  return peakPick(scaled, LORIS_PEAK_PICK).map((f) => f / fps);
}

/** Slots of a video: its cuts and its motion peaks (rhythm against the picture). */
export function videoSlots(
  cuts: readonly Seconds[],
  motion: ArrayLike<number>,
  fps: number,
  durationS: Seconds,
): Uint8Array {
  return onsetSlots([...cuts, ...motionPeaks(motion, fps)], durationS);
}

export interface ClipBeatScore {
  generatedSlots: number;
  referenceSlots: number;
  hits: number;
  /** Beat coverage score: hits / generated slots. */
  bcs: number;
  /** Beat hit score: hits / reference slots. */
  bhs: number;
}

export function clipBeatScore(generated: Uint8Array, reference: Uint8Array): ClipBeatScore {
  const ref = reference.subarray(0, generated.length);
  let generatedSlots = 0;
  let referenceSlots = 0;
  let hits = 0;
  for (let i = 0; i < generated.length; i++) {
    generatedSlots += generated[i];
    if (i < ref.length) {
      referenceSlots += ref[i];
      if (ref[i] === 1 && generated[i] === 1) hits++;
    }
  }
  return {
    generatedSlots,
    referenceSlots,
    hits,
    bcs: generatedSlots ? hits / generatedSlots : 0,
    bhs: referenceSlots ? hits / referenceSlots : 0,
  };
}

export interface RhythmScores {
  clips: number;
  /** Means over clips, fractions 0–1. */
  BCS: number;
  BHS: number;
  F1: number;
  /** Sample standard deviations over clips (ddof 1; NaN for a single clip). */
  CSD: number;
  HSD: number;
}

export function rhythmScores(clips: readonly ClipBeatScore[]): RhythmScores {
  if (!clips.length) return { clips: 0, BCS: NaN, BHS: NaN, F1: NaN, CSD: NaN, HSD: NaN };
  const [BCS, CSD] = meanStd(clips.map((c) => c.bcs));
  const [BHS, HSD] = meanStd(clips.map((c) => c.bhs));
  const F1 = BCS + BHS > 0 ? (2 * BCS * BHS) / (BCS + BHS) : 0;
  return { clips: clips.length, BCS, BHS, F1, CSD, HSD };
}
