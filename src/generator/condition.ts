import { calibrateLevels } from '../conditions/calibration.js';
import { clip01, type AffectName } from '../conditions/affect.js';
import { AFFECT_MIXES } from '../conditions/music-affect.js';
import { UsageError } from '../util/errors.js';
import { invertResponse, MIN_RESPONSE_SPAN, responseSpan } from '../conditions/response.js';
import type { ModelManifest } from './model-folder.js';

/** Affect levels (0 calm/dark … 0.5 medium … 1 intense), e.g. from the film or --mood. */
export type AffectLevels = Partial<Record<AffectName, number>>;

/**
 * The model's condition vector from affect levels: each level goes through the quantiles of
 * the model's own training music (its manifest; the built-in corpus's when it has none), in
 * the manifest's order. A descriptor nobody gave is a medium level (0.5).
 *
 * `overrides` (--mood) replace levels, and an override of a part of valence or arousal moves
 * them as the music-side definitions do (AFFECT_MIXES), unless they are overridden too: in
 * the training music, arousal *is* 0.40·loudness + 0.35·pace + 0.25·brightness, so "faster"
 * with arousal held where it was asks for music no training clip is, and the model then
 * follows neither. Measured: with the other descriptors held, pace and loudness were followed
 * with Spearman ρ 0.43 / 0.52; with their mixes following, see BENCHMARKS.md.
 *
 * A 'film'-kind model (trained on (video, music) pairs) saw in its loudness slot the picture's
 * calibrated arousal (training/filmscore_training/data.py `load_film`: a picture has no
 * loudness), so there the slot is the arousal slot, and a loudness override asks for arousal.
 */
export function conditionVector(
  levels: AffectLevels,
  manifest: ModelManifest,
  overrides: AffectLevels = {},
): Float32Array {
  const targets = conditionTargets(levels, manifest, overrides);
  return Float32Array.from(manifest.condition.names, (n, i) =>
    throughResponse(manifest, n, targets[i]),
  );
}

/**
 * The value to give the model for a descriptor to measure `target` in its music: the model's
 * measured response inverted, where it has one it follows (`filmscore calibrate`); else the
 * target itself.
 */
export function throughResponse(manifest: ModelManifest, name: AffectName, target: number): number {
  const curve = manifest.condition.response?.[name];
  return curve && responseSpan(curve) >= MIN_RESPONSE_SPAN ? invertResponse(target, curve) : target;
}

/**
 * What the music should measure, slot by slot (the manifest's order), for these levels: the
 * levels through the training music's quantiles, with valence and arousal following their
 * parts. `conditionVector` is this, through the model's measured response where it has one.
 */
export function conditionTargets(
  levels: AffectLevels,
  manifest: ModelManifest,
  overrides: AffectLevels = {},
): Float32Array {
  const names = manifest.condition.names;
  const film = manifest.condition.kind === 'film';
  if (film && overrides.loudness !== undefined && overrides.arousal === undefined) {
    overrides = { ...overrides, arousal: overrides.loudness };
  }
  const calibrate = (l: AffectLevels): Record<AffectName, number> =>
    calibrateLevels(
      Object.fromEntries(names.map((n) => [n, l[n] ?? 0.5])) as Record<AffectName, number>,
      manifest.condition.quantiles,
    );
  const base = calibrate(levels);
  const set = calibrate({ ...levels, ...overrides });
  for (const [mix, parts] of Object.entries(AFFECT_MIXES) as [
    AffectName,
    Partial<Record<AffectName, number>>,
  ][]) {
    if (!names.includes(mix) || overrides[mix] !== undefined) continue;
    let shift = 0;
    for (const [part, weight] of Object.entries(parts) as [AffectName, number][])
      if (overrides[part] !== undefined && names.includes(part))
        shift += weight * (set[part] - base[part]);
    set[mix] = clip01(base[mix] + shift);
  }
  if (film && names.includes('arousal')) set.loudness = set.arousal;
  return Float32Array.from(names, (n) => set[n]);
}

/**
 * `--mood pace=0.8,tension=0.3`: levels that override the film's, each 0–1. Names must be
 * ones the model is conditioned on.
 */
export function parseMood(text: string, names: readonly string[]): AffectLevels {
  const out: AffectLevels = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z]+)\s*=\s*(\S*)$/.exec(part);
    if (!m) throw new UsageError(`--mood: "${part}" is not name=value (e.g. pace=0.8)`);
    const [, name, value] = m;
    if (!names.includes(name)) {
      throw new UsageError(
        `--mood: "${name}" is not a condition of this model; use ${names.join(', ')}`,
      );
    }
    const v = value === '' ? NaN : Number(value);
    if (Number.isNaN(v)) {
      throw new UsageError(`--mood: ${name}=${value} is not a number; give a level from 0 to 1`);
    }
    if (!(v >= 0 && v <= 1)) throw new UsageError(`--mood: ${name}=${value} is outside 0–1`);
    out[name as AffectName] = v;
  }
  return out;
}

/**
 * The weights of a condition track (pipeline.ts ConditionTrack) for stretches starting at
 * `starts` (latent frames, the first 0) over `frames`: each stretch's condition holds over it
 * and hands over to the next linearly across `ramp` frames centred on the boundary, so the
 * music's change is neither a step in the noise predictions nor smeared over a shot.
 */
export function stretchWeights(
  starts: readonly number[],
  frames: number,
  ramp: number,
): Float32Array {
  const K = starts.length;
  const w = new Float32Array(K * frames);
  for (let f = 0; f < frames; f++) {
    // How far each boundary's hand-over has gone at frame f (0 before it, 1 after it).
    let previous = 1;
    for (let k = 0; k < K; k++) {
      const next =
        k + 1 < K
          ? Math.min(1, Math.max(0, (f + 0.5 - starts[k + 1]) / Math.max(ramp, 1) + 0.5))
          : 0;
      w[k * frames + f] = previous - next;
      previous = next;
    }
  }
  return w;
}

/**
 * A track's weights (K rows over `frames`) with an accent row added: over `width` frames from
 * each of `at` (frames; clipped to the window) the accent's condition takes the frame wholly,
 * the others giving way; elsewhere the track is as it was.
 */
export function accentWeights(
  weights: Float32Array,
  frames: number,
  at: readonly number[],
  width: number,
): Float32Array {
  const K = weights.length / frames;
  const out = new Float32Array((K + 1) * frames);
  out.set(weights);
  for (const a of at) {
    for (let f = Math.max(0, a); f < Math.min(frames, a + width); f++) {
      for (let k = 0; k < K; k++) out[k * frames + f] = 0;
      out[K * frames + f] = 1;
    }
  }
  return out;
}
