/**
 * S-Control's local controls (HPM §3): a reference piece's melody and dynamics, frame by frame on
 * the model's mel grid (16 kHz, hop 160: 100 frames/s), read exactly as the training clips'
 * controls were (analysis/music-analysis.ts → features/melody.ts, features/dynamics.ts).
 */
import { analyzeAudio } from '../analysis/music-analysis.js';
import type { Hertz } from '../units.js';
import { UsageError } from '../util/errors.js';

export const CONTROL_NAMES = ['melody', 'dynamics'] as const;
export type ControlName = (typeof CONTROL_NAMES)[number];

/** Marks a melody frame with no pitch class (past the reference's end): an all-zero one-hot. */
export const NO_PITCH = 255;

/** Controls for some span; a control left out is absent (its keep flag 0), not zero. */
export interface StyleControls {
  /** Pitch class 0–11 of the strongest chroma bin per frame (NO_PITCH: none). */
  melody?: Uint8Array;
  /** Smoothed frame energy per frame, dB. */
  dynamics?: Float32Array;
}

/** Below this mean level (dB of the dynamics control) a reference is silence: nothing to follow. */
export const SILENT_REFERENCE_DB = -60;

/**
 * The `which` controls of a whole reference piece (mono audio at any rate). A silent reference
 * is refused: its melody would be noise's and its dynamics flat.
 */
export function styleControlsOf(
  audio: Float32Array,
  sampleRate: Hertz,
  which: readonly ControlName[],
  label = 'the reference',
): StyleControls {
  if (which.length === 0)
    throw new UsageError('no controls asked for: give melody, dynamics or both');
  const a = analyzeAudio(audio, sampleRate);
  let sum = 0;
  for (const v of a.dynamics) sum += v;
  const level = a.dynamics.length ? sum / a.dynamics.length : -Infinity;
  if (!(level > SILENT_REFERENCE_DB)) {
    throw new UsageError(
      `${label} is silent (mean level ${Number.isFinite(level) ? level.toFixed(0) : '−∞'} dB): there is no melody or dynamics to carry over. Give a piece of music.`,
    );
  }
  return {
    ...(which.includes('melody') ? { melody: a.melody } : {}),
    ...(which.includes('dynamics') ? { dynamics: a.dynamics } : {}),
  };
}

/** How many frames the controls cover (the longer of the two; 0 when none). */
export function controlFrames(c: StyleControls): number {
  return Math.max(c.melody?.length ?? 0, c.dynamics?.length ?? 0);
}

/**
 * Frames [start, start + frames) of `c`. A reference shorter than the span loops (frame i reads
 * frame i mod its length), so a short piece's melody carries on under a long film; without
 * `loop`, past its end there is no pitch and the last level is held.
 */
export function controlWindow(
  c: StyleControls,
  start: number,
  frames: number,
  loop = false,
): StyleControls {
  const out: StyleControls = {};
  const pick = <T extends Uint8Array | Float32Array>(
    src: T,
    make: (n: number) => T,
    past: number,
  ): T => {
    const dst = make(frames);
    for (let i = 0; i < frames; i++) {
      const j = start + i;
      dst[i] = loop ? src[j % src.length] : j < src.length ? src[j] : past;
    }
    return dst;
  };
  if (c.melody?.length) out.melody = pick(c.melody, (n) => new Uint8Array(n), NO_PITCH);
  if (c.dynamics?.length) {
    out.dynamics = pick(c.dynamics, (n) => new Float32Array(n), c.dynamics[c.dynamics.length - 1]);
  }
  return out;
}

/** Parse `--controls melody,dynamics`. */
export function parseControls(text: string): ControlName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(CONTROL_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`--controls: unknown control "${n}"; use ${CONTROL_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0)
    throw new UsageError(`--controls: give ${CONTROL_NAMES.join(', ')} or both`);
  return [...new Set(names)] as ControlName[];
}
