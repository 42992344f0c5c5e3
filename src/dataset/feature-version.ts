import { createHash } from 'node:crypto';
import { MELODY_CHROMA } from '../features/chroma.js';
import { DYNAMICS } from '../features/dynamics.js';
import { AUDIOLDM_MEL } from '../features/mel.js';
import { LIBROSA_ONSET, LORIS_PEAK_PICK } from '../features/onset.js';
import { MUSIC_AFFECT_VERSION } from '../conditions/music-affect.js';

/** What the cache stores for a clip with video: the film encoder's frame inputs. */
export const FILM_INPUTS = Object.freeze({
  /** Semantic branch: frames at 10 fps (HPM §1), stored small; the encoder resizes. */
  semantic: { fps: 10, width: 112, height: 112 },
  /** Aesthetic branch: 10 frames at 1 fps (HPM §1), at the usual 224 × 224 input size. */
  aesthetic: { fps: 1, width: 224, height: 224 },
});

/** Bumped when the cache's file layout changes. */
const CACHE_LAYOUT = 3; // 2: video clips carry the film encoder's branch outputs; 3: faces in emotion

/**
 * A short hash of every parameter that shapes a cached clip: the feature front end, the
 * affect definitions, the film inputs, the layout and the vocal-removal model (if any). Change any of them and the version
 * changes, so `dataset build` recomputes the stale clips.
 */
export function featureVersion(clipS: number, separation: unknown = null): string {
  const params = {
    separation,
    CACHE_LAYOUT,
    clipS,
    AUDIOLDM_MEL,
    MELODY_CHROMA,
    DYNAMICS,
    LIBROSA_ONSET,
    LORIS_PEAK_PICK,
    MUSIC_AFFECT_VERSION,
    FILM_INPUTS,
  };
  return createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}
