import { analyzeSignal } from '../analysis/music-analysis.js';
import { AFFECT_NAMES, affectVector, type AffectDescriptors } from '../conditions/affect.js';
import { musicAffect } from '../conditions/music-affect.js';
import { encodeNpy, npyArray } from './npy.js';

export interface ClipFeatures {
  /** File name → .npy bytes, in the order they are written and checksummed. */
  files: [string, Uint8Array][];
  affect: AffectDescriptors;
}

/**
 * Everything the cache keeps for one clip's sound (mono, 22,050 Hz): the 16 kHz audio (int16),
 * AudioLDM log-mel (float16, T × 64), melody (uint8 pitch class per frame), dynamics
 * (float32 dB per frame) and the music-side affect descriptors (float32, AFFECT_NAMES order).
 */
export function clipFeatures(x22: Float32Array): ClipFeatures {
  const a = analyzeSignal(x22);
  const affect = musicAffect(a);
  const T = a.logMel.frames;
  const arrays = [
    [
      'audio.npy',
      npyArray(
        'int16',
        [a.audio.length],
        Float32Array.from(a.audio, (v) => v * 32767),
      ),
    ],
    ['mel.npy', npyArray('float16', [T, a.logMel.bins], a.logMel.data)],
    ['melody.npy', npyArray('uint8', [T], a.melody)],
    ['dynamics.npy', npyArray('float32', [T], a.dynamics)],
    ['affect.npy', npyArray('float32', [AFFECT_NAMES.length], affectVector(affect))],
  ] as const;
  return { files: arrays.map(([name, arr]) => [name, encodeNpy(arr)]), affect };
}
