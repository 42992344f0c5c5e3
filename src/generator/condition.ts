import { calibrateLevels } from '../conditions/calibration.js';
import type { AffectName } from '../conditions/affect.js';
import { UsageError } from '../util/errors.js';
import type { ModelManifest } from './model-folder.js';

/** Affect levels (0 calm/dark … 0.5 medium … 1 intense), e.g. from the film or --mood. */
export type AffectLevels = Partial<Record<AffectName, number>>;

/**
 * The model's condition vector from affect levels: each level goes through the quantiles of
 * the model's own training music (its manifest; the built-in corpus's when it has none), in
 * the manifest's order. A descriptor nobody gave is a medium level (0.5).
 */
export function conditionVector(levels: AffectLevels, manifest: ModelManifest): Float32Array {
  const names = manifest.condition.names;
  const full = Object.fromEntries(names.map((n) => [n, levels[n] ?? 0.5])) as Record<
    AffectName,
    number
  >;
  const calibrated = calibrateLevels(full, manifest.condition.quantiles);
  return Float32Array.from(names, (n) => calibrated[n]);
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
    const m = /^([A-Za-z]+)\s*=\s*([0-9.]+)$/.exec(part);
    if (!m) throw new UsageError(`--mood: "${part}" is not name=value (e.g. pace=0.8)`);
    const [, name, value] = m;
    if (!names.includes(name)) {
      throw new UsageError(
        `--mood: "${name}" is not a condition of this model; use ${names.join(', ')}`,
      );
    }
    const v = Number(value);
    if (!(v >= 0 && v <= 1)) throw new UsageError(`--mood: ${name}=${value} is outside 0–1`);
    out[name as AffectName] = v;
  }
  return out;
}
