import type { AffectName } from '../conditions/affect.js';
import { fitResponse, type ResponseCurve } from '../conditions/response.js';
import { readMusic } from '../eval/music-reading.js';
import { conditionTargets } from './condition.js';
import type { GeneratorModel } from './model-folder.js';
import { generate } from './pipeline.js';

/** The descriptors a response can be measured for: those read back from the music itself. */
export const CALIBRATED_DESCRIPTORS = ['pace', 'loudness', 'noisiness'] as const;
export type CalibratedDescriptor = (typeof CALIBRATED_DESCRIPTORS)[number];

/** A fitted response with every input tried and its measurements (one per seed): the curve
 * may leave out inputs past the extremes (`fitResponse`). */
export type MeasuredResponse = ResponseCurve & { tried: number[]; measured: number[][] };

export interface CalibrateOptions {
  /** Levels 0…1 asked for, evenly spaced (each through the quantiles, as `--mood` asks). */
  points: number;
  /** Seeds per level (seeds 0 … seeds − 1). */
  seeds: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Measure how a model follows each descriptor: for evenly spaced levels (the others medium,
 * valence and arousal following, as `--mood` asks), generate with the raw targets at the
 * model's default settings and read the descriptor back from the music (as the corpus was
 * labelled); fit a non-decreasing curve of target → measured. Returns the curves and the raw
 * measurements.
 */
export async function measureResponses(
  model: GeneratorModel,
  descriptors: readonly CalibratedDescriptor[],
  opts: CalibrateOptions,
): Promise<Partial<Record<AffectName, MeasuredResponse>>> {
  if (opts.points < 2) throw new Error('measureResponses: a response needs two or more levels');
  const m = model.manifest;
  const total = descriptors.length * opts.points * opts.seeds;
  let done = 0;
  const out: Partial<Record<AffectName, MeasuredResponse>> = {};
  for (const name of descriptors) {
    const slot = m.condition.names.indexOf(name);
    if (slot < 0) throw new Error(`the model is not conditioned on ${name}`);
    const inputs: number[] = [];
    const measured: number[][] = [];
    for (let p = 0; p < opts.points; p++) {
      const level = p / (opts.points - 1);
      const condition = conditionTargets({}, m, { [name]: level });
      // Quantile tables can repeat a value at the tails; one input per distinct value.
      if (inputs.length && condition[slot] <= inputs[inputs.length - 1]) {
        done += opts.seeds;
        continue;
      }
      const values: number[] = [];
      for (let seed = 0; seed < opts.seeds; seed++) {
        const g = await generate(model, {
          condition,
          seed,
          steps: m.defaults.steps,
          guidance: m.defaults.guidance,
          scheduler: m.defaults.scheduler,
        });
        values.push(readMusic(g.music, g.sampleRate)[name]);
        opts.onProgress?.(++done, total);
      }
      inputs.push(condition[slot]);
      measured.push(values);
    }
    out[name] = { ...fitResponse(inputs, measured), tried: inputs, measured };
  }
  return out;
}
