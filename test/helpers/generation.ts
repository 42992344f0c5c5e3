import type { GeneratorModel } from '../../src/generator/model-folder.js';
import { conditionVector, type AffectLevels } from '../../src/generator/condition.js';
import { generate } from '../../src/generator/pipeline.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  meanReading,
  readFilmScores,
  readMusic,
  type MusicReading,
} from '../../src/eval/music-reading.js';
import { makeContrastFilm, type ContrastFilm } from '../../src/synth/clips.js';

/**
 * What a model makes when asked for `overrides` (as `--mood` asks), read as `filmscore
 * analyze` reads music: onsets per second and the mean dynamics level (dB), averaged over
 * `seeds` generations of 10 DPM-Solver++ steps at the model's default guidance.
 */
export async function measureConditioned(
  model: GeneratorModel,
  overrides: AffectLevels,
  seeds: readonly number[] = [0, 1, 2],
): Promise<MusicReading> {
  const m = model.manifest;
  const readings: MusicReading[] = [];
  for (const seed of seeds) {
    const g = await generate(model, {
      condition: conditionVector({}, m, overrides),
      seed,
      steps: 10,
      guidance: m.defaults.guidance,
      scheduler: m.defaults.scheduler,
    });
    readings.push(readMusic(g.music, g.sampleRate));
  }
  return meanReading(readings);
}

/**
 * The score a model writes for a contrast film (src/synth/clips.ts), read the same way,
 * averaged over `seeds`, each scored end to end by `scoreVideo` at the model's defaults.
 */
export async function measureScoredFilm(
  model: GeneratorModel,
  film: ContrastFilm,
  seeds: readonly number[] = [0, 1, 2],
): Promise<MusicReading> {
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-contrast-'));
  try {
    const clip = makeContrastFilm(join(dir, `${film}.mp4`), film);
    return meanReading((await readFilmScores(model, clip, seeds)).readings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
