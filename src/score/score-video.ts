import { rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import {
  AESTHETIC_KEYS,
  analyzeFilm,
  EMOTION_CLASSES,
  type FilmAnalysis,
} from '../film/film-analysis.js';
import { probe, type MediaInfo } from '../media/probe.js';
import { MediaError } from '../media/errors.js';
import { muxAudioUnderVideo, type MuxResult } from '../media/mux.js';
import { writeWav } from '../media/wav.js';
import type { SchedulerName } from '../sampler/index.js';
import type { Seconds } from '../units.js';
import { conditionVector, type AffectLevels } from '../generator/condition.js';
import type { GeneratorModel } from '../generator/model-folder.js';
import { generate } from '../generator/pipeline.js';
import { defaultVocoderName, modelVocoder, type VocoderName } from '../decoder/vocoders.js';
import { joinWindows } from '../decoder/join-windows.js';

export { joinWindows };

export interface ScoreOptions {
  seed: number;
  steps: number;
  guidance: number;
  scheduler: SchedulerName;
  /** Levels that override the film's (--mood). */
  mood?: AffectLevels;
  /** 'replace' the video's sound, or 'mix' the score under it. */
  mode?: 'replace' | 'mix';
  /** Also keep the score as a WAV here. */
  wav?: string;
  /** Mel → waveform: neural, Griffin-Lim (no weights) or hybrid; default: the manifest's choice. */
  vocoder?: VocoderName;
  /** Seconds of crossfade between consecutive windows. */
  crossfadeS?: Seconds;
  onProgress?: (e: ScoreProgress) => void;
}

export type ScoreProgress =
  | { stage: 'analysing'; window: number; windows: number }
  | { stage: 'generating'; window: number; windows: number; step: number; steps: number }
  | { stage: 'muxing' };

export interface ScoreWindow {
  startS: Seconds;
  durationS: Seconds;
  /** The affect levels the window was scored with (film, then --mood overrides). */
  levels: AffectLevels;
  condition: number[];
}

export interface ScoreResult {
  output: string;
  durationS: Seconds;
  windows: ScoreWindow[];
  mux: MuxResult;
}

/**
 * Where the windows of a video start: one window if it fits, else windows of `window` s that
 * overlap by `crossfade` s, the last one ending at the end of the picture.
 */
export function planWindows(durationS: Seconds, window: Seconds, crossfade: Seconds): Seconds[] {
  if (durationS <= window) return [0];
  const hop = window - crossfade;
  const n = Math.ceil((durationS - crossfade) / hop);
  return Array.from({ length: n }, (_, k) => Math.min(k * hop, durationS - window));
}

/** The film's affect levels; loudness, which a picture has not, follows its arousal. */
function levelsOf(film: FilmAnalysis): AffectLevels {
  return { ...film.levels, loudness: film.levels.arousal };
}

/**
 * Score a video: for each window, the film encoder's affect levels (overridden by --mood) →
 * the model's condition → a generated window of score; windows crossfaded, cut to the
 * picture's length, and muxed under it.
 */
export async function scoreVideo(
  video: string,
  output: string,
  model: GeneratorModel,
  opts: ScoreOptions,
): Promise<ScoreResult> {
  const info: MediaInfo = await probe(video);
  if (!info.video) {
    throw new MediaError(
      'no-video',
      video,
      `${video} has no video stream to score. Give a video file.`,
    );
  }
  const m = model.manifest;
  const sr = m.sampleRate;
  const windowS = (m.frames * m.mel.hopLength) / sr;
  const durationS = info.video.durationS;
  const crossfadeS = Math.min(opts.crossfadeS ?? 1, windowS / 4);
  const starts = planWindows(durationS, windowS, crossfadeS);
  const parts: { offset: number; audio: Float32Array }[] = [];
  const vocoder = modelVocoder(model, opts.vocoder ?? defaultVocoderName(model.manifest));
  const windows: ScoreWindow[] = [];
  for (const [k, startS] of starts.entries()) {
    opts.onProgress?.({ stage: 'analysing', window: k + 1, windows: starts.length });
    const spanS = Math.min(windowS, durationS - startS);
    const film = await analyzeFilm(
      video,
      {},
      {
        startS,
        durationS: spanS,
        info,
      },
    );
    const levels = { ...levelsOf(film), ...opts.mood };
    const condition = conditionVector(levelsOf(film), m, opts.mood);
    const branches =
      m.condition.kind === 'film'
        ? {
            semantic: film.semantic.vector,
            aesthetic: Float32Array.from(AESTHETIC_KEYS, (key) => film.aesthetic[key]),
            emotion: Float32Array.from(EMOTION_CLASSES, (key) => film.emotion[key]),
          }
        : undefined;
    const g = await generate(model, {
      condition,
      seed: opts.seed + k,
      steps: opts.steps,
      guidance: opts.guidance,
      scheduler: opts.scheduler,
      vocoder,
      film: branches,
      onStep: (step, steps) =>
        opts.onProgress?.({
          stage: 'generating',
          window: k + 1,
          windows: starts.length,
          step,
          steps,
        }),
    });
    parts.push({ offset: Math.round(startS * sr), audio: g.audio });
    windows.push({
      startS,
      durationS: spanS,
      levels,
      condition: Array.from(condition),
    });
  }
  const score = joinWindows(parts, Math.round(durationS * sr));
  const wav = opts.wav ?? join(dirname(output), `.${basename(output)}.score.wav`);
  await writeWav(wav, [score], sr);
  opts.onProgress?.({ stage: 'muxing' });
  try {
    const mux = await muxAudioUnderVideo({
      video,
      audio: wav,
      output,
      mode: opts.mode ?? 'replace',
      videoInfo: info,
      audioDurationS: score.length / sr,
    });
    return { output, durationS, windows, mux };
  } finally {
    if (!opts.wav) await rm(wav, { force: true });
  }
}
