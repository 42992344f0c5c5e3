import { analyzeAudio } from '../analysis/music-analysis.js';
import { musicAffect } from '../conditions/music-affect.js';
import type { AffectLevels } from '../generator/condition.js';
import type { GeneratorModel } from '../generator/model-folder.js';
import { parseWav } from '../media/wav.js';
import { scoreVideo } from '../score/score-video.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hertz } from '../units.js';

/** What a listener-proxy reads off a piece: how busy, how loud, and the two descriptors the
 * conditioning is judged by. */
export interface MusicReading {
  onsetsPerSecond: number;
  /** Mean of the dynamics control (smoothed frame energy, dB). */
  levelDb: number;
  pace: number;
  loudness: number;
  /** Spectral flatness on musicAffect's log scale (0 clean partials … 1 white noise). */
  noisiness: number;
}

/** Mono audio read as the corpus's music was labelled (`analyzeAudio`, `musicAffect`). */
export function readMusic(audio: Float32Array, sampleRate: Hertz): MusicReading {
  const a = analyzeAudio(audio, sampleRate);
  const { pace, loudness, noisiness } = musicAffect(a);
  return {
    onsetsPerSecond: a.onsets.length / a.durationS,
    levelDb: a.dynamics.reduce((s, v) => s + v, 0) / a.dynamics.length,
    pace,
    loudness,
    noisiness,
  };
}

/** The mean of several readings, field by field. */
export function meanReading(readings: readonly MusicReading[]): MusicReading {
  const mean = (k: keyof MusicReading): number =>
    readings.reduce((s, r) => s + r[k], 0) / readings.length;
  return {
    onsetsPerSecond: mean('onsetsPerSecond'),
    levelDb: mean('levelDb'),
    pace: mean('pace'),
    loudness: mean('loudness'),
    noisiness: mean('noisiness'),
  };
}

/**
 * A film scored end to end by `scoreVideo` at the model's defaults, once per seed, each score
 * read back (`readMusic`); with the affect levels the film encoder gave its first window.
 */
export async function readFilmScores(
  model: GeneratorModel,
  video: string,
  seeds: readonly number[],
): Promise<{ levels: AffectLevels; readings: MusicReading[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-read-'));
  try {
    const m = model.manifest;
    let levels: AffectLevels = {};
    const readings: MusicReading[] = [];
    for (const seed of seeds) {
      const wav = join(dir, `${seed}.wav`);
      const r = await scoreVideo(video, join(dir, `${seed}.mp4`), model, {
        seed,
        steps: m.defaults.steps,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
        wav,
      });
      levels = r.windows[0].levels;
      const audio = parseWav(readFileSync(wav));
      if (!audio) throw new Error(`${wav} is not a WAV file`);
      readings.push(readMusic(audio.channels[0], audio.sampleRate));
    }
    return { levels, readings };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
