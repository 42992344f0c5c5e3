import { clip01 } from '../conditions/affect.js';
import { probe, type MediaInfo } from '../media/probe.js';
import { videoFrames, videoFramesTwice, type VideoFrame } from '../media/video-frames.js';
import type { Seconds } from '../units.js';
import { frameStats, motionBetween, shotChange, type FrameStats } from './frame-stats.js';
import { detectCuts } from './shot-cuts.js';
import { modelAesthetic, modelEmotion } from './model-branches.js';
import {
  SceneStatisticsMean,
  sceneStatisticsOf,
  semanticEmbedding,
  type SemanticEmbedding,
} from './semantic.js';
import type { OnnxModel } from '../onnx/model.js';
import type { Face } from './faces.js';
import {
  emotionOf,
  faceValence,
  FaceSummaryBuilder,
  type EmotionClass,
  type FaceSummary,
} from './emotion.js';
import { FaceReader } from './faces.js';
import { calibrateLevels } from '../conditions/calibration.js';

export { EMOTION_CLASSES, type EmotionClass } from './emotion.js';

/** TAVAR's six visual attributes (0–1) and an overall score, from the 1 fps frames. */
export interface AestheticScores {
  light: number;
  colour: number;
  contrast: number;
  sharpness: number;
  composition: number;
  subjectEmphasis: number;
  overall: number;
}

/** The attribute order of `film_aesthetic.npy` and of aesthetic ONNX models' outputs. */
export const AESTHETIC_KEYS = [
  'light',
  'colour',
  'contrast',
  'sharpness',
  'composition',
  'subjectEmphasis',
  'overall',
] as const;

/** The order of `film_affect.npy`. */
export const VIDEO_AFFECT_KEYS = ['brightness', 'pace', 'valence', 'arousal', 'tension'] as const;

/**
 * The video side of the affect space. As `levels`, 0–1 by the anchors of videoAffect (0.5 a
 * medium picture); as `affect`, calibrated onto the music side's scale
 * (src/conditions/calibration.ts).
 */
export interface VideoAffect {
  brightness: number;
  pace: number;
  valence: number;
  arousal: number;
  tension: number;
}

export interface FilmAnalysis {
  durationS: Seconds;
  /** Frames per second of the per-frame series below (the semantic branch's 10 fps). */
  fps: number;
  cuts: Seconds[];
  /** Per frame at `fps`: mean luma and motion (thumbnail change from the previous frame). */
  brightness: Float32Array;
  motion: Float32Array;
  /** Per second (the aesthetic branch's 1 fps): overall aesthetic score. */
  aestheticOverTime: Float32Array;
  aesthetic: AestheticScores;
  emotion: Record<EmotionClass, number>;
  /** Faces over the 1 fps frames (null when face reading was turned off). */
  faces: FaceSummary | null;
  /** The affect descriptors on the music side's scale (what conditions the generator). */
  affect: VideoAffect;
  /** The same descriptors as levels: 0 calmest / darkest … 0.5 medium … 1 most intense. */
  levels: VideoAffect;
  /** The semantic branch's clip vector (a user's image encoder, or scene statistics). */
  semantic: SemanticEmbedding;
  /** Up to KEYFRAMES evenly spaced 1 fps frames, for the timeline figure. */
  keyframes: VideoFrame[];
}

const KEYFRAMES = 8;

/** Frame sizes the offline encoder reads (small: the statistics need no more). */
const SEMANTIC = { fps: 10, width: 112, height: 63 };
/** 256 px wide: the face detector's input size, so its frames need no resampling. */
const AESTHETIC = { fps: 1, width: 256 };
/** Faces move valence at most this much (when every frame shows one). */
const FACE_VALENCE_WEIGHT = 0.3;

let defaultFaces: Promise<FaceReader> | undefined;
/** The shipped face models, loaded once per process. */
function shippedFaceReader(): Promise<FaceReader> {
  defaultFaces ??= FaceReader.load();
  return defaultFaces;
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : 0;
}

/** TAVAR-style attributes of one frame, each 0–1. */
export function aestheticOf(s: FrameStats): AestheticScores {
  const light = clip01(1 - Math.abs(s.brightness - 0.5) * 2.2); // well exposed: mid-grey mean
  const colour = clip01(0.6 * clip01(s.colourfulness / 0.8) + 0.4 * clip01(s.saturation / 0.6));
  const contrast = clip01(s.contrast / 0.28);
  const sharpness = clip01(Math.log10(1 + 1e4 * s.sharpness) / 2.5);
  const composition = clip01(s.thirds / 0.6);
  const subjectEmphasis = clip01(s.centreEmphasis);
  const overall = (light + colour + contrast + sharpness + composition + subjectEmphasis) / 6;
  return { light, colour, contrast, sharpness, composition, subjectEmphasis, overall };
}

/**
 * Affect levels from the picture (0–1; calibrateLevels puts them on the music side's scale):
 * - brightness: mean luma, 0.1 → 0 … 0.7 → 1;
 * - pace: half motion energy (0 … 0.06 mean luma change per 0.1 s), half cut rate on a log
 *   scale (0 … 30 cuts/min), as a film editor's tempo;
 * - valence = 0.45·brightness + 0.30·saturation + 0.25·warmth;
 * - arousal = 0.50·pace + 0.25·contrast + 0.25·colourfulness;
 * - tension = 0.40·darkness + 0.30·cut rate + 0.30·contrast.
 */
export function videoAffect(
  stats: FrameStats[],
  motion: ArrayLike<number>,
  cutsPerMinute: number,
): VideoAffect {
  const luma = mean(stats.map((s) => s.brightness));
  const brightness = clip01((luma - 0.1) / 0.6);
  const motionLevel = clip01(mean(motion) / 0.06);
  const cutRate = clip01(Math.log2(1 + cutsPerMinute) / Math.log2(31));
  const pace = 0.5 * motionLevel + 0.5 * cutRate;
  const saturation = clip01(mean(stats.map((s) => s.saturation)) / 0.6);
  const warmth = clip01(0.5 + mean(stats.map((s) => s.warmth)) * 2.5);
  const contrast = clip01(mean(stats.map((s) => s.contrast)) / 0.28);
  const colourfulness = clip01(mean(stats.map((s) => s.colourfulness)) / 0.8);
  return {
    brightness,
    pace,
    valence: clip01(0.45 * brightness + 0.3 * saturation + 0.25 * warmth),
    arousal: clip01(0.5 * pace + 0.25 * contrast + 0.25 * colourfulness),
    tension: clip01(0.4 * (1 - brightness) + 0.3 * cutRate + 0.3 * contrast),
  };
}

/** The 10 fps sampling's options (thumbnails for cuts, motion and scene statistics). */
function motionSampling(span: FilmSpan) {
  return { ...SEMANTIC, ...span };
}

/** The 1 fps sampling's options (stills for aesthetics, faces and keyframes). */
function stillSampling(span: FilmSpan) {
  return { ...AESTHETIC, keepAspect: true, ...span };
}

/** The 10 fps pass: per-frame statistics, shot change and motion between frames. */
async function readMotionPass(
  path: string,
  span: FilmSpan & { info: MediaInfo },
  source: AsyncIterable<VideoFrame> = videoFrames(path, motionSampling(span)),
) {
  const stats: FrameStats[] = [];
  const change: number[] = [0];
  const motion: number[] = [0];
  let prev: FrameStats | undefined;
  const scene: Float32Array[] = [];
  for await (const f of source) {
    const s = frameStats(f);
    scene.push(sceneStatisticsOf(s, f.width, f.height));
    if (prev) {
      change.push(shotChange(prev, s));
      motion.push(motionBetween(prev, s));
      // Keep only what the later steps read; drop the thumbnail and histogram of old frames.
      prev.thumbnail = new Float32Array(0);
      prev.histogram = new Float32Array(0);
    }
    stats.push(s);
    prev = s;
  }
  return { stats, change, motion, scene };
}

/** The 1 fps pass: aesthetics, faces and the keyframes spread over `durationS`. */
async function readStillPass(
  path: string,
  span: FilmSpan & { info: MediaInfo },
  durationS: Seconds,
  faceReader: FaceReader | null,
  source: AsyncIterable<VideoFrame> = videoFrames(path, stillSampling(span)),
) {
  const seconds = Math.max(1, Math.floor(durationS));
  const wantKey = new Set(
    Array.from({ length: Math.min(KEYFRAMES, seconds) }, (_, i) =>
      Math.floor(((i + 0.5) * seconds) / Math.min(KEYFRAMES, seconds)),
    ),
  );
  const aesthetics: AestheticScores[] = [];
  const keyframes: VideoFrame[] = [];
  const faces: Face[][] | null = faceReader ? [] : null;
  for await (const f of source) {
    aesthetics.push(aestheticOf(frameStats(f)));
    if (faceReader && faces) faces.push(await faceReader.read(f));
    if (wantKey.has(f.index)) keyframes.push(f);
  }
  return { aesthetics, keyframes, faces };
}

/** User ONNX models for the three branches; each falls back to the offline default. */
export interface FilmModels {
  semantic?: OnnxModel;
  aesthetic?: OnnxModel;
  emotion?: OnnxModel;
  /** Faces' expressions for the offline emotion branch: a reader, or null for none; left
   * out, the shipped models (models/faces) are used. */
  faces?: FaceReader | null;
}

/** What part of the video to read (default: all of it), and what probe() said of it. */
export interface FilmSpan {
  startS?: Seconds;
  durationS?: Seconds;
  info?: MediaInfo;
}

/** A span to record, with probe()'s answer or its promise (the decode starts beside it). */
export interface FilmReadOptions extends Omit<FilmSpan, 'info'> {
  info?: MediaInfo | Promise<MediaInfo>;
}

/**
 * What one read of a film keeps: per-frame statistics at 10 fps and per-second aesthetics and
 * faces, not frames. Any stretch of it can then be summarised (`readFilmSpan`) without decoding
 * the film again: a long film is read once and each score window asks for its own stretch.
 */
export interface FilmRecording {
  path: string;
  info: MediaInfo;
  /** Where the read began in the file, and how long it is. */
  startS: Seconds;
  durationS: Seconds;
  /** Shot cuts over the whole read, relative to its start. */
  cuts: Seconds[];
  stats: FrameStats[];
  change: number[];
  motion: number[];
  scene: Float32Array[];
  aesthetics: AestheticScores[];
  faces: Face[][] | null;
  keyframes: VideoFrame[];
  models: FilmModels;
}

/** Read a film (or a stretch of it) once: both frame rates' statistics, decoded side by side. */
export async function recordFilm(
  path: string,
  models: FilmModels = {},
  read: FilmReadOptions = {},
): Promise<FilmRecording> {
  // The two frame rates come from one decode of the span (ffmpeg splits the picture into both
  // samplings), read side by side. It starts beside the probe, when there is one to wait for
  // (videoFramesTwice): a 10 s clip's read 472 → 444 ms (BENCHMARKS.md, "Speed, session 13").
  const probing = read.info ?? probe(path);
  const known = probing instanceof Promise ? undefined : probing;
  const stop = new AbortController();
  const stretch = { startS: read.startS, durationS: read.durationS };
  // Not when the caller's probe already says it cannot be read side by side (below).
  const twice =
    !known || (read.durationS ?? known.video?.durationS) !== undefined
      ? videoFramesTwice(path, motionSampling(stretch), stillSampling(stretch), probing, {
          signal: stop.signal,
        })
      : undefined;
  let info: MediaInfo;
  try {
    info = await probing;
  } catch (err) {
    stop.abort();
    throw err;
  }
  const span = { ...read, info };
  const durationS = span.durationS ?? info.video?.durationS;
  // A user's emotion model replaces the offline branch, faces included.
  const faceReader =
    models.emotion || models.faces === null ? null : (models.faces ?? (await shippedFaceReader()));
  // The keyframes' spacing needs the duration; a stream that does not state it is read in
  // turn, one sampling after the other.
  if (durationS === undefined) stop.abort();
  const [motionPass, stillPass] =
    durationS !== undefined && twice
      ? await Promise.all([
          readMotionPass(path, span, twice[0]),
          readStillPass(path, span, durationS, faceReader, twice[1]),
        ])
      : await readMotionPass(path, span).then(
          async (p) =>
            [
              p,
              await readStillPass(path, span, p.stats.length / SEMANTIC.fps, faceReader),
            ] as const,
        );
  return {
    path,
    info,
    startS: read.startS ?? 0,
    durationS: durationS ?? motionPass.stats.length / SEMANTIC.fps,
    cuts: detectCuts(motionPass.change, { fps: SEMANTIC.fps }),
    ...motionPass,
    ...stillPass,
    models,
  };
}

/**
 * The film analysis of [fromS, fromS + spanS) of a recording (seconds from its start): the
 * same summary `analyzeFilm` makes of a whole read, from the frames of that stretch.
 */
export async function readFilmSpan(
  rec: FilmRecording,
  fromS: Seconds = 0,
  spanS: Seconds = rec.durationS - fromS,
): Promise<FilmAnalysis> {
  const whole = fromS <= 0 && fromS + spanS >= rec.durationS;
  const at = (fps: number, t: number) => Math.max(0, Math.round(t * fps));
  const [a, b] = whole
    ? [0, rec.stats.length]
    : [
        at(SEMANTIC.fps, fromS),
        Math.max(at(SEMANTIC.fps, fromS) + 1, at(SEMANTIC.fps, fromS + spanS)),
      ];
  const [a1, b1] = whole
    ? [0, rec.aesthetics.length]
    : [Math.floor(fromS), Math.max(Math.floor(fromS) + 1, Math.ceil(fromS + spanS))];
  const stats = rec.stats.slice(a, b);
  const motion = rec.motion.slice(a, b);
  const aesthetics = rec.aesthetics.slice(a1, b1);
  const filmS = whole ? rec.durationS : Math.min(spanS, rec.durationS - fromS);
  const cuts = whole
    ? rec.cuts
    : rec.cuts.filter((t) => t >= fromS && t < fromS + filmS).map((t) => t - fromS);
  // Motion across a cut is the cut, not movement: leave those frames out of motion energy.
  const cutFrames = new Set(cuts.map((t) => Math.round(t * SEMANTIC.fps)));
  const motionNoCuts = motion.filter((_, t) => t > 0 && !cutFrames.has(t));
  const levels = videoAffect(stats, motionNoCuts, (cuts.length / Math.max(filmS, 1e-6)) * 60);
  let faces: FaceSummary | null = null;
  if (rec.faces) {
    const builder = new FaceSummaryBuilder();
    for (const f of rec.faces.slice(a1, b1)) builder.add(f);
    faces = builder.result();
  }
  if (faces?.expression) {
    const w = (FACE_VALENCE_WEIGHT * faces.framesWithFaces) / Math.max(faces.frames, 1);
    levels.valence = clip01((1 - w) * levels.valence + w * faceValence(faces.expression));
  }
  const fromFrames = Object.fromEntries(
    AESTHETIC_KEYS.map((k) => [k, mean(aesthetics.map((x) => x[k]))]),
  ) as unknown as AestheticScores;
  // A user's models replace the offline estimates they cover; they read the stretch again.
  const models = rec.models;
  const span = whole
    ? { startS: rec.startS, durationS: rec.durationS, info: rec.info }
    : { startS: rec.startS + fromS, durationS: filmS, info: rec.info };
  const aesthetic = {
    ...fromFrames,
    ...(models.aesthetic ? await modelAesthetic(rec.path, models.aesthetic, span) : {}),
  };
  const emotion = models.emotion
    ? await modelEmotion(rec.path, models.emotion, span)
    : emotionOf(levels, faces);
  let semantic: SemanticEmbedding;
  if (models.semantic) {
    semantic = await semanticEmbedding(rec.path, { model: models.semantic, ...span });
  } else {
    const scene = new SceneStatisticsMean();
    for (const v of rec.scene.slice(a, b)) scene.add(v);
    semantic = scene.result();
  }
  return {
    durationS: filmS,
    fps: SEMANTIC.fps,
    cuts,
    brightness: Float32Array.from(stats, (s) => s.brightness),
    motion: Float32Array.from(motion),
    aestheticOverTime: Float32Array.from(aesthetics, (x) => x.overall),
    aesthetic,
    emotion,
    faces,
    affect: calibrateLevels(levels),
    levels,
    semantic,
    keyframes: rec.keyframes.filter(
      (k) => k.timeS - rec.startS >= fromS && k.timeS - rec.startS < fromS + filmS,
    ),
  };
}

/**
 * The offline film analysis: frames streamed from ffmpeg at 10 fps (motion, brightness,
 * cuts) and 1 fps (aesthetics); memory holds per-frame statistics only, not frames.
 */
export async function analyzeFilm(
  path: string,
  models: FilmModels = {},
  read: FilmReadOptions = {},
): Promise<FilmAnalysis> {
  return readFilmSpan(await recordFilm(path, models, read));
}
