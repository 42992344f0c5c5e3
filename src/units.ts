/**
 * Units as named types, so a signature says what a number means (after Tone.js's Units.ts).
 * They are plain numbers at run time; the names are documentation the compiler carries.
 */
export type Seconds = number;
export type Hertz = number;
export type Decibels = number;
/** A count of audio samples (per channel). */
export type Samples = number;
/** Beats per minute. */
export type Bpm = number;
/** Pitch class 0–11, C = 0, C♯ = 1, … B = 11. */
export type PitchClass = number;

export const PITCH_CLASS_NAMES = [
  'C',
  'C#',
  'D',
  'D#',
  'E',
  'F',
  'F#',
  'G',
  'G#',
  'A',
  'A#',
  'B',
] as const;

/** MIDI note number → frequency in Hz (A4 = MIDI 69 = 440 Hz). */
export function midiToHz(midi: number): Hertz {
  return 440 * 2 ** ((midi - 69) / 12);
}

/** Frequency in Hz → fractional MIDI note number. */
export function hzToMidi(hz: Hertz): number {
  return 69 + 12 * Math.log2(hz / 440);
}
