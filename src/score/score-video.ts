import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  AESTHETIC_KEYS,
  EMOTION_CLASSES,
  readFilmSpan,
  recordFilm,
  type FilmAnalysis,
  type FilmRecording,
} from '../film/film-analysis.js';
import { probe } from '../media/probe.js';
import { MediaError } from '../media/errors.js';
import { MUX_FADE_S, StreamingMux, muxAudioUnderVideo, type MuxResult } from '../media/mux.js';
import { WavFileWriter } from '../media/wav.js';
import { containerFor, type VideoCodecChoice } from '../media/containers.js';
import { tempPathFor } from '../util/atomic-file.js';
import { checkOutputPaths } from '../util/output-paths.js';
import type { SchedulerName } from '../sampler/index.js';
import type { Seconds } from '../units.js';
import {
  accentWeights,
  conditionVector,
  stretchWeights,
  type AffectLevels,
} from '../generator/condition.js';
import { contentFrames, type GeneratorModel } from '../generator/model-folder.js';
import { generate, type ConditionTrack, type FilmBranchValues } from '../generator/pipeline.js';
import { controlFrames, controlWindow, type StyleControls } from '../conditions/style-controls.js';
import { UsageError } from '../util/errors.js';
import { defaultVocoderName, modelVocoder, type VocoderName } from '../decoder/vocoders.js';
import { equalPowerMix } from '../decoder/join-windows.js';
import {
  planScoreWindows,
  windowHits,
  windowStretches,
  type PlannedWindow,
} from './window-plan.js';
import { ArraySink, LimitedSink, RollingTimeline, type ScoreSink } from './timeline.js';
import type { LimiterOptions } from '../decoder/limiter.js';

export interface ScoreOptions extends ComposeOptions {
  /** Levels that override the film's (--mood). */
  mood?: AffectLevels;
  /** 'replace' the video's sound, or 'mix' the score under it. */
  mode?: 'replace' | 'mix';
  /** Also keep the score as a WAV here. */
  wav?: string;
  /** How the picture goes into the output (default 'auto': copied when the container takes
   * it, else re-encoded; media/containers.ts). */
  videoCodec?: VideoCodecChoice;
  /** The film's recording, when the caller started it (`readFilmToScore`): reading the film
   * overlaps loading the model. */
  film?: Promise<FilmRecording>;
}

/**
 * Read a film to score: probed, refused when it has no picture, recorded. A caller may start
 * it before loading the model (ffmpeg decodes while ONNX Runtime builds its sessions) and hand
 * it to scoreVideo (`film`); a rejection is held until scoreVideo awaits it.
 */
export function readFilmToScore(video: string): Promise<FilmRecording> {
  const checked = probe(video).then((info) => {
    if (!info.video) {
      throw new MediaError(
        'no-video',
        video,
        `${video} has no video stream to score. Give a video file.`,
      );
    }
    return info;
  });
  // The film's decode starts beside the probe (recordFilm).
  const reading = recordFilm(video, {}, { info: checked });
  reading.catch(() => undefined); // observed later, by scoreVideo
  return reading;
}

export type ScoreProgress =
  | { stage: 'reading-film' }
  | { stage: 'analysing'; window: number; windows: number }
  | { stage: 'generating'; window: number; windows: number; step: number; steps: number }
  | { stage: 'muxing'; note?: string };

export interface ScoreWindow {
  startS: Seconds;
  durationS: Seconds;
  /** The affect levels the window was scored with (film, then --mood overrides). */
  levels: AffectLevels;
  condition: number[];
  /** Where the music it composed begins (before: carried over from the score so far). */
  newFromS: Seconds;
  /** With a style reference: where in it (s) this window's controls start. */
  styleFromS?: Seconds;
  /** When shot cuts divide the window: each stretch's start (s) and levels (the window's
   * condition changes at the cut; `levels` are then the whole window's reading). */
  stretches?: { fromS: Seconds; levels: AffectLevels }[];
  /** The cuts (s) the window's music hits (an accent on the cut). */
  hitsS?: Seconds[];
}

export interface ScoreResult {
  output: string;
  durationS: Seconds;
  windows: ScoreWindow[];
  mux: MuxResult;
  /** The film's shot cuts (s), as read. */
  cuts: Seconds[];
}

/**
 * The range a film's levels are kept to before they ask for music. A level of 0 or 1 (a black
 * frame, a picture that never moves) asks for the training music's outermost 2 %, where a model
 * has seen few clips and does not follow them: the candidate, asked for the darkest brightness,
 * made quiet but busy music (4.1 onsets/s for the dark still film) though the corpus's darkest
 * clips are its slowest, and 2.8/s asked for 0.1 (BENCHMARKS.md, session 10). `--mood` still
 * reaches the whole range.
 */
export const FILM_LEVEL_RANGE = [0.1, 0.9] as const;

/** The film's affect levels, kept to FILM_LEVEL_RANGE; loudness, which a picture has not,
 * follows its arousal. */
function levelsOf(film: FilmAnalysis): AffectLevels {
  const [lo, hi] = FILM_LEVEL_RANGE;
  const levels: AffectLevels = { ...film.levels, loudness: film.levels.arousal };
  for (const k of Object.keys(levels) as (keyof AffectLevels)[])
    levels[k] = Math.min(hi, Math.max(lo, levels[k]!));
  return levels;
}

/** A reference piece whose melody and/or dynamics the score follows (S-Control). */
export interface StyleReference {
  /** The reference's controls, whole piece, 100 frames/s (`styleControlsOf`). */
  controls: StyleControls;
  /** Where in the reference file the controls begin (--style-start), for reports. */
  originS?: Seconds;
  /** Scale of the control branch's residuals (--control-scale; 1 = as trained). */
  scale?: number;
  /** Whether guidance carries the controls with the film (default true; --no-control-guidance). */
  guided?: boolean;
  /** Whether the score's level is ridden to the reference's dynamics (default true;
   * --no-dynamics-ride; `generate`'s dynamicsRide). */
  ride?: boolean;
}

/** What the window composer needs besides the model and what conditions each window. */
export interface ComposeOptions {
  seed: number;
  steps: number;
  guidance: number;
  scheduler: SchedulerName;
  vocoder?: VocoderName;
  /** Seconds each window carries over from the score so far (default 4: CARRY_S). */
  carryS?: Seconds;
  /** Shot cuts (s): a new stretch of music begins at one when it falls near a window's end. */
  cuts?: readonly Seconds[];
  /** Make the end continue seamlessly into the start. */
  loop?: boolean;
  /** Accent each shot cut (a hit point: 0.32 s of fast, loud music from just before it; at
   * most one a second); default true. false: the music goes on through the cuts. */
  hitCuts?: boolean;
  /** false: every window starts afresh (no carried music), the windows only crossfaded —
   * how scores were joined before continuation; kept for comparison. */
  continuation?: boolean;
  style?: StyleReference;
  onProgress?: (e: ScoreProgress) => void;
  /** Cancels between sampler steps and windows (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** The peak limiter on the way out (default on, −1 dBFS); false leaves the networks' level
   * as it is (peaks may pass full scale). */
  limiter?: false | LimiterOptions;
  /** Told when what is left of a window runs on one core (its vocoder's DSP; windows count
   * from 1). */
  onOneCore?: (window: number, windows: number) => void;
}

/** One window's condition, as its caller (film or --mood) worked it out. */
export interface WindowCondition {
  levels: AffectLevels;
  condition: Float32Array;
  film?: FilmBranchValues;
}

/**
 * Default carry-over between windows, and how far a hand-over may move to meet a cut. 4 s
 * carried (2 s until session 14): with more of the music so far to go on, the new music keeps
 * its key better while its colour is left free to return to its own (below) — joins' key r
 * 0.605 against 0.521 (3 seeds, bench/long-form.ts), at 6 s of new music a window instead of 8.
 */
export const CARRY_S = 4;
export const CUT_FLEX_S = 3;
/** Frames of a loop's first window left out before the score starts (0.4 s). */
const LOOP_SKIP_FRAMES = 10;
/**
 * The new music's colour (each latent channel's mean) starts as the carried music's and gives
 * way to its own: over 1 s after a cut (a new section), over 16 s elsewhere (frames; the match
 * × e^(−frames/decay)). Held for the whole window (until session 14), each window's match sat
 * on top of the last one's and the offsets compounded: a minute into lavfi cuts B
 * (bench/long-form.ts) the level had risen 5–8 dB and the onsets stopped, one loud drone. Left
 * to decay, the level stays within −12 … −17 dB as independent windows' does (BENCHMARKS.md,
 * "Whole films, session 14").
 */
const CUT_COLOUR_FRAMES = 25;
const CARRY_COLOUR_FRAMES = 400;
/** A window's condition changes at the cuts inside it (a shot of its own at least 2 s long, at
 * most 3 conditions a window: each is a row of the UNet's batch), handed over in 0.24 s. */
const STRETCH_MIN_FRAMES = 50;
const STRETCHES_MAX = 3;
const STRETCH_RAMP_FRAMES = 6;
/** A hit: 8 frames (0.32 s) of HIT_LEVELS from 2 frames before the cut, at most one a second. */
const HIT_FRAMES = 8;
const HIT_LEAD_FRAMES = 2;
const HIT_SPACING_FRAMES = 25;
const HIT_LEVELS: AffectLevels = { pace: 0.9, loudness: 0.8 };
/** Equal-power crossfade between two renditions of the same carried music. */
const JOIN_FADE_S = 0.5;

/**
 * Any length of score as one continuous piece: windows planned by `planScoreWindows` (each
 * after the first carries on from the score's latent so far, new stretches starting at cuts),
 * each conditioned by `conditionFor(startS, spanS)` on the film's stretch it composes (with
 * its carried lead-in, which smooths the changes) and, with a style reference, on the
 * reference's controls from the same moment on. Each window is decoded on its own; the
 * windows' audio is joined inside the carried music, where both sides hold the same latent,
 * so the join is a crossfade between two renditions of one passage, not between two pieces.
 */
export async function composeScore(
  model: GeneratorModel,
  durationS: Seconds,
  conditionFor: (startS: Seconds, spanS: Seconds) => Promise<WindowCondition>,
  opts: ComposeOptions,
): Promise<{ score: Float32Array; windows: ScoreWindow[] }> {
  const sink = new ArraySink(Math.max(0, Math.round(durationS * model.manifest.sampleRate)));
  const windows = await composeScoreInto(model, durationS, conditionFor, sink, opts);
  return { score: sink.samples, windows };
}

/**
 * `composeScore` into a sink: each stretch of the score is handed over as soon as no later
 * window will change it, so memory does not grow with the film (a WAV file sink: `scoreVideo`).
 */
export async function composeScoreInto(
  model: GeneratorModel,
  durationS: Seconds,
  conditionFor: (startS: Seconds, spanS: Seconds) => Promise<WindowCondition>,
  sink: ScoreSink,
  opts: ComposeOptions,
): Promise<ScoreWindow[]> {
  const m = model.manifest;
  const sr = m.sampleRate;
  const total = Math.round(durationS * sr);
  if (!(total > 0)) throw new UsageError(`a score must last more than 0 s, not ${durationS}`);
  // The networks know nothing of full scale: the score's peaks are limited on the way out.
  if (opts.limiter !== false) sink = new LimitedSink(sink, sr, opts.limiter || {});
  const stride = m.frames / m.latent.frames; // mel frames per latent frame
  const grid = m.mel.hopLength * stride; // samples per latent frame
  // The music of a window is its first contentFrames (the training clips' length); the model
  // learnt the rest as the padding's silence.
  const W = Math.floor(contentFrames(m) / stride);
  const contentS = (W * grid) / sr;
  const vocoder = modelVocoder(model, opts.vocoder ?? defaultVocoderName(model.manifest));
  const style = opts.style;
  const styleLength = style ? controlFrames(style.controls) : 0;
  if (style && styleLength === 0) throw new UsageError('the style reference has no frames');
  const fps = sr / m.mel.hopLength;

  // A loop's score starts LOOP_SKIP frames into its first window (a window's first frames
  // are unlike the rest: the model's edge), so that the wrap carries on into ordinary music.
  const lead = opts.loop ? LOOP_SKIP_FRAMES * grid : 0;
  const frames = Math.ceil((total + lead) / grid);
  const secondsOf = (frame: number) => Math.min(durationS, Math.max(0, (frame * grid - lead) / sr));
  const carry = Math.max(1, Math.round(((opts.carryS ?? CARRY_S) * sr) / grid));
  // A piece up to the mux's end fade longer than a window is still one window (the fade
  // covers the padding's start).
  const oneWindow = !opts.loop && durationS <= contentS + MUX_FADE_S;
  // On the latent grid, ascending (the plan and each window's stretches read them in order).
  const cuts = (opts.cuts ?? [])
    .map((t) => Math.round((t * sr + lead) / grid))
    .sort((a, b) => a - b);
  const plan = oneWindow
    ? { windows: [{ start: 0, newFrom: 0 }], loopFrames: 0 }
    : planScoreWindows(frames, {
        window: W,
        carry,
        flex: Math.min(Math.round((CUT_FLEX_S * sr) / grid), W - carry - 1),
        cuts,
        loop: opts.loop,
      });
  const L = plan.loopFrames;
  const C = m.latent.channels;
  const F = m.latent.frames;
  const span = frames + L;
  // The score's latent so far, [C × span]: what later windows carry on from.
  const composed = new Float32Array(C * span);
  const fade = Math.round(JOIN_FADE_S * sr);
  const timeline = new RollingTimeline(sink, lead, total, 2 * W * grid, L * grid);
  // Where each window's audio goes on the timeline: before the earliest start of the windows
  // still to come, the timeline is final.
  const spans = plan.windows.map((w) => joinSpan(w, carry, grid, fade));
  const windows: ScoreWindow[] = [];
  const n = plan.windows.length;
  for (const [k, w] of plan.windows.entries()) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.({ stage: 'analysing', window: k + 1, windows: n });
    // The film's stretch this window composes, with its carried lead-in.
    const readFrom = secondsOf(Math.max(0, w.newFrom - carry));
    const readTo = Math.max(
      secondsOf(Math.min(frames, w.start + W)),
      Math.min(durationS, readFrom + 1),
    );
    const c = await conditionFor(readFrom, Math.max(readTo - readFrom, 1e-3));
    // The film under the window: a reading per shot, a hit at each cut it composes.
    const { condition, stretches, hits } = await followFilm(c, {
      model,
      cuts: cuts.map((cut) => cut - w.start),
      newFrom: w.newFrom - w.start,
      // The music of it the score keeps ends where the next window's begins.
      keptTo: Math.min(W, (plan.windows[k + 1]?.newFrom ?? Infinity) - w.start),
      window: W,
      secondsOf: (f) => secondsOf(w.start + f),
      conditionFor,
      hitCuts: opts.hitCuts !== false,
    });
    // Known frames: the carried lead-in, and a loop's wrap onto the score's start.
    const known = new Uint8Array(F);
    const latent = new Float32Array(C * F);
    for (let f = 0; f < F; f++) {
      const u = w.start + f;
      const src =
        u < w.newFrom
          ? u
          : w.wrapFrom !== undefined && u >= w.wrapFrom && u < w.wrapFrom + L
            ? u - w.wrapFrom + LOOP_SKIP_FRAMES
            : -1;
      if (src < 0) continue;
      known[f] = 1;
      for (let ch = 0; ch < C; ch++) latent[ch * F + f] = composed[ch * span + src];
    }
    let controls: StyleControls | undefined;
    let styleFromS: Seconds | undefined;
    if (style) {
      const at = Math.round(((w.start * grid - lead) / sr) * fps);
      const first = ((at % styleLength) + styleLength) % styleLength;
      controls = controlWindow(style.controls, first, m.frames, true);
      styleFromS = (style.originS ?? 0) + first / fps;
    }
    const g = await generate(model, {
      condition,
      seed: opts.seed + k,
      steps: opts.steps,
      guidance: opts.guidance,
      scheduler: opts.scheduler,
      vocoder,
      film: c.film,
      controls,
      controlScale: style?.scale,
      controlGuidance: style?.guided,
      dynamicsRide: style?.ride,
      known:
        k > 0 && opts.continuation !== false
          ? {
              latent,
              known,
              match: {
                frames: carry,
                decay: w.atCut ? CUT_COLOUR_FRAMES : CARRY_COLOUR_FRAMES,
                end: W,
              },
            }
          : undefined,
      signal: opts.signal,
      onOneCore: () => opts.onOneCore?.(k + 1, n),
      onStep: (step, steps) =>
        opts.onProgress?.({ stage: 'generating', window: k + 1, windows: n, step, steps }),
    });
    for (let f = w.newFrom - w.start; f < W && w.start + f < span; f++) {
      for (let ch = 0; ch < C; ch++) composed[ch * span + w.start + f] = g.latent[ch * F + f];
    }
    if (oneWindow) {
      await sink.write(g.audio.subarray(0, total), 0);
    } else {
      layWindow(timeline, g.music.subarray(0, W * grid), w, spans[k], grid);
      if (k + 1 < n) await timeline.release(Math.min(...spans.slice(k + 1).map((s) => s.from)));
    }
    windows.push({
      startS: secondsOf(w.start),
      durationS: oneWindow
        ? durationS
        : secondsOf(Math.min(frames, w.start + W)) - secondsOf(w.start),
      newFromS: secondsOf(w.newFrom),
      levels: c.levels,
      condition: Array.from(c.condition),
      ...(styleFromS !== undefined ? { styleFromS } : {}),
      ...(stretches ? { stretches } : {}),
      ...(hits.length ? { hitsS: hits } : {}),
    });
  }
  if (oneWindow) return windows;
  await timeline.release(lead + total);
  if (L > 0) {
    // The music past the end: a fraction of a frame, then the score's start again.
    const after = timeline.region(lead + total, span * grid);
    wrapLoop(timeline.head(), after, frames * grid - lead - total, fade);
    await timeline.writeHead();
  }
  return windows;
}

/**
 * One window's condition as the film goes on under it. Each shot of the window (2 s or more)
 * takes its own reading (`stretches`, handed over at the cut); and each cut in the music the
 * score keeps of the window is hit: for 0.32 s from just before it (the onset comes 40–90 ms
 * into a hit) the window's condition asks for fast, loud music (HIT_LEVELS), so the music
 * accents the cut as a composer's hit point does. Measured on the bundled model (BENCHMARKS.md,
 * "Whole films, session 14"): an onset in a cut's second 12 of 12 times against 6 of 12
 * without.
 */
async function followFilm(
  whole: WindowCondition,
  o: {
    model: GeneratorModel;
    /** Cuts in frames from the window's start. */
    cuts: number[];
    /** The window's first new frame, and the end of what the score keeps of its music. */
    newFrom: number;
    keptTo: number;
    window: number;
    secondsOf: (frame: number) => Seconds;
    conditionFor: (startS: Seconds, spanS: Seconds) => Promise<WindowCondition>;
    hitCuts: boolean;
  },
): Promise<{
  condition: Float32Array | ConditionTrack;
  stretches?: ScoreWindow['stretches'];
  hits: Seconds[];
}> {
  const m = o.model.manifest;
  const F = m.latent.frames;
  const starts = windowStretches(o.window, o.cuts, {
    minFrames: STRETCH_MIN_FRAMES,
    max: STRETCHES_MAX,
  });
  let values: Float32Array[] = [whole.condition];
  let weights: Float32Array = new Float32Array(F).fill(1);
  let stretches: ScoreWindow['stretches'];
  if (starts.length > 1) {
    const parts: (WindowCondition & { fromS: Seconds })[] = [];
    for (const [i, from] of starts.entries()) {
      const a = o.secondsOf(from);
      const b = o.secondsOf(starts[i + 1] ?? o.window);
      parts.push({ fromS: a, ...(await o.conditionFor(a, Math.max(b - a, 1e-3))) });
    }
    // A --mood that sets every level leaves the shots nothing to differ in: one row then.
    const same = parts.every((p) => p.condition.every((v, j) => v === parts[0].condition[j]));
    if (!same) {
      values = parts.map((p) => p.condition);
      weights = stretchWeights(starts, F, STRETCH_RAMP_FRAMES);
      stretches = parts.map((p) => ({ fromS: p.fromS, levels: p.levels }));
    }
  }
  const hits = o.hitCuts
    ? windowHits(o.cuts, { from: o.newFrom, frames: o.keptTo, spacing: HIT_SPACING_FRAMES })
    : [];
  if (hits.length) {
    values = [...values, conditionVector(whole.levels, m, HIT_LEVELS)];
    weights = accentWeights(
      weights,
      F,
      hits.map((h) => h - HIT_LEAD_FRAMES),
      HIT_FRAMES,
    );
  }
  return {
    condition: values.length > 1 ? { values, weights } : whole.condition,
    stretches,
    hits: hits.map((h) => o.secondsOf(h)),
  };
}

/**
 * Where one window's audio goes on the timeline: from the middle of the music it carried, with
 * an equal-power crossfade of `fade` samples centred there (none for the first window), to its
 * end. The next window overwrites it from the middle of what that one carries.
 */
function joinSpan(
  w: PlannedWindow,
  carry: number,
  grid: number,
  fade: number,
): { from: number; fade: number } {
  if (w.newFrom === 0) return { from: w.start * grid, fade: 0 };
  const f = Math.min(fade, Math.floor(((w.newFrom - w.start) * grid) / 2));
  const centre = (w.newFrom - Math.min(carry, w.newFrom - w.start) / 2) * grid;
  return { from: Math.round(centre - f / 2), fade: f };
}

/** Lay one window's audio (`music`, from its first frame) on the timeline as soon as it is made,
 * so memory holds one window, not all. */
function layWindow(
  timeline: RollingTimeline,
  music: Float32Array,
  w: PlannedWindow,
  span: { from: number; fade: number },
  grid: number,
): void {
  const offset = w.start * grid;
  const out = timeline.region(span.from, offset + music.length);
  for (let i = 0; i < out.length; i++) {
    const a = music[span.from - offset + i];
    out[i] = i < span.fade ? equalPowerMix(out[i], a, (i + 0.5) / span.fade) : a;
  }
}

/**
 * A loop's wrap. `after` is the music the last window composed past the score's end: `gap`
 * samples (under one grid frame: the picture's length is rarely a whole number of frames)
 * and then the score's start again, as the continuation of its end. The score's first
 * samples become that continuation, crossfading into the first window's own rendition of the
 * same frames in the middle of the wrap; so played in a loop, the end runs on into the start
 * (when `gap` > 0 the crossfade is between renditions `gap` samples apart).
 */
function wrapLoop(score: Float32Array, after: Float32Array, gap: number, fade: number): void {
  const wrap = after.length - gap;
  const f = Math.min(fade, Math.floor(wrap / 2));
  const from = Math.max(0, Math.floor(wrap / 2 - f / 2));
  for (let p = 0; p < Math.min(from + f, score.length); p++) {
    const tail = after[p];
    if (p < from) {
      score[p] = tail;
    } else {
      score[p] = equalPowerMix(tail, score[p], (p - from + 0.5) / f);
    }
  }
}

/** The film encoder's reading of one stretch of a recorded film as the model's condition. */
export async function filmWindowCondition(
  model: GeneratorModel,
  film: FilmRecording,
  startS: Seconds,
  spanS: Seconds,
  mood: AffectLevels | undefined,
): Promise<WindowCondition> {
  const m = model.manifest;
  const reading = await readFilmSpan(film, startS, spanS);
  const levels = { ...levelsOf(reading), ...mood };
  const condition = conditionVector(levelsOf(reading), m, mood);
  const branches =
    m.condition.kind === 'film'
      ? {
          semantic: reading.semantic.vector,
          aesthetic: Float32Array.from(AESTHETIC_KEYS, (key) => reading.aesthetic[key]),
          emotion: Float32Array.from(EMOTION_CLASSES, (key) => reading.emotion[key]),
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
  // Before any work: the output's container is known, its folder writable, and neither the
  // output nor the WAV is the film (or each other).
  containerFor(output, 'output');
  await checkOutputPaths(
    [{ path: video, role: 'the input video' }],
    [
      { path: output, role: 'the output' },
      ...(opts.wav ? [{ path: opts.wav, role: 'the WAV' }] : []),
    ],
  );
  // The film is read once (a caller may have begun it while its model loaded); each window
  // reads its own stretch of the recording.
  opts.onProgress?.({ stage: 'reading-film' });
  const film = await (opts.film ?? readFilmToScore(video));
  const info = film.info;
  const sr = model.manifest.sampleRate;
  const durationS = info.video!.durationS;
  opts.signal?.throwIfAborted();
  const wav = opts.wav ?? tempPathFor(join(dirname(output), 'score.wav'));
  // The score goes to the WAV as it is composed (memory flat in the film's length).
  const total = Math.round(durationS * sr);
  const writer = await WavFileWriter.open(wav, total, sr);
  const muxOptions = {
    video,
    output,
    mode: opts.mode ?? 'replace',
    videoInfo: info,
    videoCodec: opts.videoCodec,
    onNote: (note: string) => opts.onProgress?.({ stage: 'muxing', note }),
    // A loop's end runs on into its start: no fade-out there.
    ...(opts.loop ? { fadeS: 0 } : {}),
  } as const;
  // A score of one window also goes straight on to ffmpeg, started on the picture once only
  // the vocoder's DSP is left: ffmpeg's start and its opening of the film then run on the core
  // Griffin-Lim leaves free, not after the music (media/mux.ts StreamingMux). Started beside
  // the networks instead, it slowed them by as much as it saved: their threads wait for the
  // slowest. Longer scores are muxed from the WAV: fed while the windows were made, the mux's
  // encoding only took the cores from the windows (BENCHMARKS.md, "Speed, session 13").
  let streamed: StreamingMux | undefined;
  const sink: ScoreSink = {
    async write(samples, at) {
      await Promise.all([writer.write(samples, at), streamed?.write(samples, at)]);
    },
  };
  let windows: ScoreWindow[];
  try {
    windows = await composeScoreInto(
      model,
      durationS,
      (startS, spanS) => filmWindowCondition(model, film, startS, spanS, opts.mood),
      sink,
      {
        ...opts,
        cuts: opts.cuts ?? film.cuts,
        onOneCore: (window, count) => {
          opts.onOneCore?.(window, count);
          if (count === 1 && !opts.loop) {
            streamed = StreamingMux.start({ ...muxOptions, sampleRate: sr, frames: total });
          }
        },
      },
    );
    await writer.commit();
  } catch (e) {
    await Promise.all([writer.abort(), streamed?.abort()]);
    throw e;
  }
  opts.onProgress?.({ stage: 'muxing' });
  try {
    const mux = streamed
      ? await streamed.finish(wav)
      : await muxAudioUnderVideo({ ...muxOptions, audio: wav, audioDurationS: total / sr });
    return { output, durationS, windows, mux, cuts: film.cuts };
  } finally {
    if (!opts.wav) await rm(wav, { force: true });
  }
}
