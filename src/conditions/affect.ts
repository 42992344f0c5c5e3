/**
 * The shared affect space (DESIGN.md, "Training without paired film clips"): descriptors that
 * can be computed from music (here) and from video (the film encoder), each on a 0–1 scale,
 * so the default model can learn the film condition from music alone and be driven by video.
 */
export const AFFECT_NAMES = [
  'brightness',
  'pace',
  'valence',
  'arousal',
  'tension',
  'loudness',
  'dynamicRange',
  'mode',
  'density',
  'noisiness',
] as const;
export type AffectName = (typeof AFFECT_NAMES)[number];
export type AffectDescriptors = Record<AffectName, number>;

/** The descriptors as a vector in AFFECT_NAMES order (what the cache and the model store). */
export function affectVector(a: AffectDescriptors): Float32Array {
  return Float32Array.from(AFFECT_NAMES, (k) => a[k]);
}

export function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0;
}
