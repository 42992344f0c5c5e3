import type { ModelManifest } from '../generator/model-folder.js';
import { CONTAINERS } from '../media/containers.js';
import { UsageError } from '../util/errors.js';
import type { JobOptions } from './job-store.js';

/**
 * A job's options as the page or a script sends them (a JSON object), checked against the model
 * as the CLI checks its flags: every refusal names the field and its range (HTTP 400).
 */
export function parseJobOptions(text: string | undefined, m: ModelManifest): JobOptions {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError('options is not JSON: send an object such as {"seed": 3, "steps": 25}');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError('options must be a JSON object such as {"seed": 3}');
  }
  const o = raw as Record<string, unknown>;
  const known = ['seed', 'steps', 'guidance', 'mood', 'container', 'loop', 'hitCuts', 'style'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new UsageError(`unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  const whole = (k: string, min: number, max: number): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new UsageError(`${k} must be a whole number from ${min} to ${max}`);
    return v;
  };
  const out: JobOptions = {};
  const seed = whole('seed', 0, 2 ** 32 - 1);
  if (seed !== undefined) out.seed = seed;
  const steps = whole('steps', 1, m.schedule.steps);
  if (steps !== undefined) out.steps = steps;
  if (o.guidance !== undefined) {
    if (typeof o.guidance !== 'number' || !(o.guidance >= 0 && o.guidance <= 30))
      throw new UsageError('guidance must be a number from 0 to 30');
    out.guidance = o.guidance;
  }
  if (o.mood !== undefined) {
    if (typeof o.mood !== 'object' || o.mood === null || Array.isArray(o.mood))
      throw new UsageError('mood must be an object of levels, e.g. {"pace": 0.8}');
    const mood: Record<string, number> = {};
    for (const [name, v] of Object.entries(o.mood as Record<string, unknown>)) {
      if (!(m.condition.names as readonly string[]).includes(name))
        throw new UsageError(
          `mood.${name} is not a condition of this model; use ${m.condition.names.join(', ')}`,
        );
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        throw new UsageError(`mood.${name} must be a level from 0 to 1`);
      mood[name] = v;
    }
    out.mood = mood;
  }
  if (o.container !== undefined) {
    if (typeof o.container !== 'string' || !(`.${o.container}` in CONTAINERS))
      throw new UsageError(
        `container must be one of ${Object.keys(CONTAINERS)
          .map((e) => e.slice(1))
          .join(', ')}`,
      );
    out.container = o.container;
  }
  if (o.style !== undefined) {
    const st = o.style as Record<string, unknown>;
    if (typeof st !== 'object' || st === null || Array.isArray(st))
      throw new UsageError(
        'style must be an object: {"controls": ["melody"], "scale": 1, "startS": 0}',
      );
    const extra = Object.keys(st).filter((k) => !['controls', 'scale', 'startS'].includes(k));
    if (extra.length)
      throw new UsageError(
        `unknown style option(s) ${extra.join(', ')}; known: controls, scale, startS`,
      );
    const style: NonNullable<JobOptions['style']> = { name: '' };
    if (st.controls !== undefined) {
      if (
        !Array.isArray(st.controls) ||
        st.controls.length === 0 ||
        !st.controls.every((c) => c === 'melody' || c === 'dynamics')
      )
        throw new UsageError('style.controls must list "melody" and/or "dynamics"');
      style.controls = [...new Set(st.controls as ('melody' | 'dynamics')[])];
    }
    if (st.scale !== undefined) {
      if (typeof st.scale !== 'number' || !(st.scale >= 0 && st.scale <= 5))
        throw new UsageError('style.scale must be a number from 0 to 5');
      style.scale = st.scale;
    }
    if (st.startS !== undefined) {
      if (typeof st.startS !== 'number' || !(st.startS >= 0 && Number.isFinite(st.startS)))
        throw new UsageError('style.startS must be seconds ≥ 0');
      style.startS = st.startS;
    }
    out.style = style;
  }
  if (o.loop !== undefined) {
    if (typeof o.loop !== 'boolean') throw new UsageError('loop must be true or false');
    out.loop = o.loop;
  }
  if (o.hitCuts !== undefined) {
    if (typeof o.hitCuts !== 'boolean') throw new UsageError('hitCuts must be true or false');
    out.hitCuts = o.hitCuts;
  }
  return out;
}
