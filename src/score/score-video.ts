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
import { MUX_FADE_S, muxAudioUnderVideo, type MuxResult } from '../media/mux.js';
import { writeWav } from '../media/wav.js';
import type { SchedulerName } from '../sampler/index.js';
import type { Seconds } from '../units.js';
import { conditionVector, type AffectLevels } from '../generator/condition.js';
import { contentFrames, type GeneratorModel } from '../generator/model-folder.js';
import { generate, type FilmBranchValues } from '../generator/pipeline.js';
import { controlFrames, controlWindow, type StyleControls } from '../conditions/style-controls.js';
import { UsageError } from '../util/errors.js';
import { defaultVocoderName, modelVocoder, type VocoderName } from '../decoder/vocoders.js';
import { joinWindows } from '../decoder/join-windows.js';

export { joinWindows };

export interface ScoreOptions extends ComposeOptions {
  /** Levels that override the film's (--mood). */
  mood?: AffectLevels;
  /** 'replace' the video's sound, or 'mix' the score under it. */
  mode?: 'replace' | 'mix';
  /** Also keep the score as a WAV here. */
  wav?: string;
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
  /** With a style reference: where in it (s) this window's controls start. */
  styleFromS?: Seconds;
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

/** A reference piece whose melody and/or dynamics the score follows (S-Control). */
export interface StyleReference {
  /** The reference's controls, whole piece, 100 frames/s (`styleControlsOf`). */
  controls: StyleControls;
  /** Where in the reference file the controls begin (--style-start), for reports. */
  originS?: Seconds;
  /** Scale of the control branch's residuals (--control-scale; 1 = as trained). */
  scale?: number;
}

/** What the window composer needs besides the model and what conditions each window. */
export interface ComposeOptions {
  seed: number;
  steps: number;
  guidance: number;
  scheduler: SchedulerName;
  vocoder?: VocoderName;
  crossfadeS?: Seconds;
  style?: StyleReference;
  onProgress?: (e: ScoreProgress) => void;
}

/** One window's condition, as its caller (film or --mood) worked it out. */
export interface WindowCondition {
  levels: AffectLevels;
  condition: Float32Array;
  film?: FilmBranchValues;
}

/**
 * Any length of score, window by window: the windows of `planWindows`, each conditioned by
 * `conditionFor(startS, spanS)` (and, with a style reference, on the reference's controls from
 * the same moment on, looping a shorter reference), generated, and crossfaded into one track
 * `durationS` long.
 */
export async function composeScore(
  model: GeneratorModel,
  durationS: Seconds,
  conditionFor: (startS: Seconds, spanS: Seconds) => Promise<WindowCondition>,
  opts: ComposeOptions,
): Promise<{ score: Float32Array; windows: ScoreWindow[] }> {
  const m = model.manifest;
  const sr = m.sampleRate;
  const fps = sr / m.mel.hopLength;
  // The music of a window is its first contentFrames (the training clips' length); the model
  // learnt the rest as the padding's silence. A piece up to the mux's end fade longer is still
  // one window (the fade covers the padding's start).
  const contentS = (contentFrames(m) * m.mel.hopLength) / sr;
  const windowS = durationS > contentS && durationS <= contentS + MUX_FADE_S ? durationS : contentS;
  const crossfadeS = Math.min(opts.crossfadeS ?? 1, windowS / 4);
  const starts = planWindows(durationS, windowS, crossfadeS);
  const parts: { offset: number; audio: Float32Array }[] = [];
  const vocoder = modelVocoder(model, opts.vocoder ?? defaultVocoderName(model.manifest));
  const windows: ScoreWindow[] = [];
  const style = opts.style;
  const styleLength = style ? controlFrames(style.controls) : 0;
  if (style && styleLength === 0) throw new UsageError('the style reference has no frames');
  for (const [k, startS] of starts.entries()) {
    opts.onProgress?.({ stage: 'analysing', window: k + 1, windows: starts.length });
    const spanS = Math.min(windowS, durationS - startS);
    const c = await conditionFor(startS, spanS);
    let controls: StyleControls | undefined;
    let styleFromS: Seconds | undefined;
    if (style) {
      const first = Math.round(startS * fps);
      controls = controlWindow(style.controls, first, m.frames, true);
      styleFromS = (style.originS ?? 0) + (first % styleLength) / fps;
    }
    const g = await generate(model, {
      condition: c.condition,
      seed: opts.seed + k,
      steps: opts.steps,
      guidance: opts.guidance,
      scheduler: opts.scheduler,
      vocoder,
      film: c.film,
      controls,
      controlScale: style?.scale,
      onStep: (step, steps) =>
        opts.onProgress?.({
          stage: 'generating',
          window: k + 1,
          windows: starts.length,
          step,
          steps,
        }),
    });
    parts.push({
      offset: Math.round(startS * sr),
      audio: g.audio.subarray(0, Math.round(windowS * sr)),
    });
    windows.push({
      startS,
      durationS: spanS,
      levels: c.levels,
      condition: Array.from(c.condition),
      ...(styleFromS !== undefined ? { styleFromS } : {}),
    });
  }
  return { score: joinWindows(parts, Math.round(durationS * sr)), windows };
}

/** The film encoder's reading of one window as the model's condition (and branches). */
export async function filmWindowCondition(
  model: GeneratorModel,
  video: string,
  info: MediaInfo,
  startS: Seconds,
  spanS: Seconds,
  mood: AffectLevels | undefined,
): Promise<WindowCondition> {
  const m = model.manifest;
  const film = await analyzeFilm(video, {}, { startS, durationS: spanS, info });
  const levels = { ...levelsOf(film), ...mood };
  const condition = conditionVector(levelsOf(film), m, mood);
  const branches =
    m.condition.kind === 'film'
      ? {
          semantic: film.semantic.vector,
          aesthetic: Float32Array.from(AESTHETIC_KEYS, (key) => film.aesthetic[key]),
          emotion: Float32Array.from(EMOTION_CLASSES, (key) => film.emotion[key]),
        }
      : undefined;
  return { levels, condition, film: branches };
}

/**
 * Score a video: for each window, the film encoder's affect levels (overridden by --mood) →
 * the model's condition → a generated window of score (following a style reference's melody
 * and dynamics when given); windows crossfaded, cut to the picture's length, and muxed under it.
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
  const sr = model.manifest.sampleRate;
  const durationS = info.video.durationS;
  const { score, windows } = await composeScore(
    model,
    durationS,
    (startS, spanS) => filmWindowCondition(model, video, info, startS, spanS, opts.mood),
    opts,
  );
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
