import type { GeneratorModel } from '../../src/generator/model-folder.js';
import { conditionVector, type AffectLevels } from '../../src/generator/condition.js';
import { generate } from '../../src/generator/pipeline.js';
import { analyzeSignal } from '../../src/analysis/music-analysis.js';
import { resample } from '../../src/features/resample.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../src/media/wav.js';
import { scoreVideo } from '../../src/score/score-video.js';
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
): Promise<{ onsetsPerSecond: number; levelDb: number }> {
  const m = model.manifest;
  let onsets = 0;
  let level = 0;
  for (const seed of seeds) {
    const g = await generate(model, {
      condition: conditionVector({}, m, overrides),
      seed,
      steps: 10,
      guidance: m.defaults.guidance,
      scheduler: m.defaults.scheduler,
    });
    const a = analyzeSignal(resample(g.audio, g.sampleRate, 22050));
    onsets += a.onsets.length / a.durationS / seeds.length;
    level += a.dynamics.reduce((s, v) => s + v, 0) / a.dynamics.length / seeds.length;
  }
  return { onsetsPerSecond: onsets, levelDb: level };
}

/**
 * The score a model writes for a contrast film (src/synth/clips.ts), read the same way:
 * onsets per second and mean dynamics level (dB), averaged over `seeds`, each scored end to
 * end by `scoreVideo` at the model's default settings.
 */
export async function measureScoredFilm(
  model: GeneratorModel,
  film: ContrastFilm,
  seeds: readonly number[] = [0, 1, 2],
): Promise<{ onsetsPerSecond: number; levelDb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-contrast-'));
  try {
    const clip = makeContrastFilm(join(dir, `${film}.mp4`), film);
    const m = model.manifest;
    let onsets = 0;
    let level = 0;
    for (const seed of seeds) {
      const wav = join(dir, `${seed}.wav`);
      await scoreVideo(clip, join(dir, `${seed}.mp4`), model, {
        seed,
        steps: m.defaults.steps,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
        wav,
      });
      const audio = parseWav(readFileSync(wav));
      if (!audio) throw new Error(`${wav} is not a WAV file`);
      const a = analyzeSignal(resample(audio.channels[0], audio.sampleRate, 22050));
      onsets += a.onsets.length / a.durationS / seeds.length;
      level += a.dynamics.reduce((s, v) => s + v, 0) / a.dynamics.length / seeds.length;
    }
    return { onsetsPerSecond: onsets, levelDb: level };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
