import type { PitchClass } from '../units.js';
import { chromagram, MELODY_CHROMA, type ChromaOptions } from './chroma.js';
import type { Spectrogram } from './stft.js';

/**
 * The melody control c_mel (HPM §3): the strongest pitch class of each chroma frame.
 * Silent frames (all-zero chroma) get class 0, as an argmax over zeros does.
 */
export function melodyPitchClasses(chroma: Spectrogram): Uint8Array {
  const out = new Uint8Array(chroma.frames);
  for (let t = 0; t < chroma.frames; t++) {
    let best = 0;
    for (let c = 1; c < 12; c++) if (chroma.data[t * 12 + c] > chroma.data[t * 12 + best]) best = c;
    out[t] = best;
  }
  return out;
}

/** The one-hot T × 12 form the S-Control branch takes. */
export function melodyOneHot(classes: Uint8Array): Float32Array {
  const out = new Float32Array(classes.length * 12);
  classes.forEach((c: PitchClass, t) => (out[t * 12 + c] = 1));
  return out;
}

/** Audio → melody control: chromagram (hop 160, 2048-sample window) → argmax per frame. */
export function melodyControl(x: Float32Array, opts: ChromaOptions = MELODY_CHROMA): Uint8Array {
  return melodyPitchClasses(chromagram(x, opts));
}
