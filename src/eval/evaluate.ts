import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { decodeMono } from '../media/audio-decode.js';
import { analyzeFilm } from '../film/film-analysis.js';
import { dynamicsControl } from '../features/dynamics.js';
import { melodyControl } from '../features/melody.js';
import { UsageError } from '../util/errors.js';
import { dynamicsCorrelations, melodyAccuracy } from './control-fidelity.js';
import { loadAudioModel } from './audio-models/audio-model.js';
import { inceptionScore, klDivergence } from './classifier-scores.js';
import { frechetDistance, gaussianFit } from './frechet.js';
import { originalityAndRecognizability, type SystemPoint } from './originality.js';
import {
  clipBeatScore,
  rhythmScores,
  videoSlots,
  signalSlots,
  type ClipBeatScore,
  type RhythmScores,
} from './rhythm.js';

const MEDIA = /\.(wav|flac|ogg|opus|mp3|m4a|aac|mp4|mkv|mov|webm)$/i;

export interface EvaluateOptions {
  generated: string;
  reference?: string;
  /** Videos named like the generated clips: rhythm against their cuts. */
  video?: string;
  /** Audio whose melody and dynamics controlled each generation (the "maestro" pieces). */
  controls?: string;
  /** The embedding/classifier for FAD, KL and IS (audio-model.ts spec); the bundled style model by default. */
  audioModel?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface EvaluationReport {
  generated: number;
  /** Names with no partner in a folder that was given, per folder. */
  unpaired: { reference: string[]; video: string[]; controls: string[] };
  /** Fractions 0–1 (LORIS); null when no pairs. */
  rhythm: RhythmScores | null;
  /** Rhythm of the generated music against the videos' cuts and motion peaks. */
  rhythmVideo: RhythmScores | null;
  /** The audio model behind FAD, KL and IS, and what its figures compare with. */
  audioModel: { name: string; note: string };
  /** Fréchet distance between the generated and reference sets' embeddings (samples: embeddings fitted). */
  FAD: { value: number; embedding: string; generated: number; reference: number } | null;
  /** Paired KL(reference ‖ generated) over the classifier's softmax (audioldm_eval "KL"). */
  KL: number | null;
  /** The same over per-class sigmoids (audioldm_eval "KL_Sigmoid"), for multi-label classifiers. */
  KLSigmoid: number | null;
  /** Inception score of the generated clips (10 splits; needs ≥ 10 clips). */
  IS: { mean: number; std: number } | null;
  melodyAcc: number | null;
  dynamicsCorrMicro: number | null;
  dynamicsCorrMacro: number | null;
}

async function mediaByName(dir: string): Promise<Map<string, string>> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    throw new UsageError(`${dir}: folder not found. Give a folder of audio (or video) files.`);
  }
  const out = new Map<string, string>();
  for (const f of files.sort()) {
    if (MEDIA.test(f)) out.set(basename(f, extname(f)), join(dir, f));
  }
  if (!out.size) throw new UsageError(`${dir} holds no audio or video files.`);
  return out;
}

/** The shortest clip the metrics can read (the audio models' and LORIS's windows fit in it). */
export const MIN_EVAL_S = 0.1;

/** A file at both rates the metrics read: rhythm at LORIS's 22,050 Hz, the rest at 16 kHz. */
async function atBothRates(path: string): Promise<{ x22: Float32Array; x16: Float32Array }> {
  const [x22, x16] = await decodeMono(path, [22050, 16000]);
  if (x16.length < MIN_EVAL_S * 16000) {
    throw new UsageError(
      `${path} lasts ${(x16.length / 16000).toFixed(3)} s: too short to measure (the metrics need at least ${MIN_EVAL_S} s of sound). Leave it out of the folder.`,
    );
  }
  return { x22, x16 };
}

/**
 * The paper's tables for two folders (HPM Tables 2–3): generated and reference clips paired
 * by file name (missing partners are listed, not fatal).
 */
export async function evaluateFolders(opts: EvaluateOptions): Promise<EvaluationReport> {
  const generated = await mediaByName(opts.generated);
  const reference = opts.reference ? await mediaByName(opts.reference) : null;
  const videos = opts.video ? await mediaByName(opts.video) : null;
  const controls = opts.controls ? await mediaByName(opts.controls) : null;
  const unpaired = { reference: [] as string[], video: [] as string[], controls: [] as string[] };
  const beats: ClipBeatScore[] = [];
  const videoBeats: ClipBeatScore[] = [];
  const model = await loadAudioModel(opts.audioModel);
  const genEmb: Float64Array[] = [];
  const refEmb: Float64Array[] = [];
  const genLogits: Float64Array[] = [];
  const pairedLogits: [Float64Array, Float64Array][] = [];
  const melody: number[] = [];
  const dynamics: [Float32Array, Float32Array][] = [];
  let done = 0;
  try {
    for (const [name, path] of generated) {
      const { x22: g22, x16: g16 } = await atBothRates(path);
      const slots = signalSlots(g22);
      const g = await model.describe(g16);
      genEmb.push(...g.embeddings);
      if (g.logits) genLogits.push(g.logits);
      const ref = reference?.get(name);
      if (reference && !ref) unpaired.reference.push(name);
      if (ref) {
        const { x22: r22, x16: r16 } = await atBothRates(ref);
        beats.push(clipBeatScore(slots, signalSlots(r22)));
        const r = await model.describe(r16);
        refEmb.push(...r.embeddings);
        if (g.logits && r.logits) pairedLogits.push([g.logits, r.logits]);
      }
      const video = videos?.get(name);
      if (videos && !video) unpaired.video.push(name);
      if (video) {
        const film = await analyzeFilm(video, { faces: null });
        videoBeats.push(
          clipBeatScore(slots, videoSlots(film.cuts, film.motion, film.fps, film.durationS)),
        );
      }
      const control = controls?.get(name);
      if (controls && !control) unpaired.controls.push(name);
      if (control) {
        // The same route as the generated clip, so a clip against itself gives exactly r = 1.
        const c16 = (await atBothRates(control)).x16;
        melody.push(melodyAccuracy(melodyControl(c16), melodyControl(g16)));
        dynamics.push([dynamicsControl(c16), dynamicsControl(g16)]);
      }
      opts.onProgress?.(++done, generated.size);
    }
  } finally {
    await model.dispose();
  }
  if (reference) {
    for (const name of reference.keys()) if (!generated.has(name)) unpaired.reference.push(name);
  }
  const fad =
    genEmb.length >= 2 && refEmb.length >= 2
      ? {
          value: frechetDistance(gaussianFit(genEmb), gaussianFit(refEmb)),
          embedding: model.name,
          generated: genEmb.length,
          reference: refEmb.length,
        }
      : null;
  const kl = (variant: 'softmax' | 'sigmoid'): number | null =>
    pairedLogits.length
      ? klDivergence(
          pairedLogits.map(([g]) => g),
          pairedLogits.map(([, r]) => r),
          variant,
        )
      : null;
  const corr = dynamics.length ? dynamicsCorrelations(dynamics) : null;
  return {
    generated: generated.size,
    unpaired,
    rhythm: beats.length ? rhythmScores(beats) : null,
    rhythmVideo: videoBeats.length ? rhythmScores(videoBeats) : null,
    audioModel: { name: model.name, note: model.note },
    FAD: fad,
    KL: kl('softmax'),
    KLSigmoid: model.classifier === 'sigmoid' ? kl('sigmoid') : null,
    IS: genLogits.length >= 10 ? inceptionScore(genLogits) : null,
    melodyAcc: melody.length ? melody.reduce((a, b) => a + b, 0) / melody.length : null,
    dynamicsCorrMicro: corr?.micro ?? null,
    dynamicsCorrMacro: corr?.macro ?? null,
  };
}

export interface OriginalityOptions {
  /** System name → folder with one subfolder of generations per class. */
  systems: Record<string, string>;
  /** One reference clip per class, named like the class (`<class>.wav`). */
  shots: string;
  audioModel?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface OriginalityReport {
  audioModel: { name: string; note: string };
  systems: SystemPoint[];
  /** Class folders with no shot, per system (left out). */
  unmatched: Record<string, string[]>;
}

/** A clip's embedding: the mean of its samples (VGGish gives one per 0.96 s). */
function clipEmbedding(samples: Float64Array[]): Float64Array | null {
  if (!samples.length) return null;
  const out = new Float64Array(samples[0].length);
  for (const s of samples) for (let i = 0; i < out.length; i++) out[i] += s[i] / samples.length;
  return out;
}

/** Figure 2 of HPM for folders of generations grouped by class (originality.ts). */
export async function evaluateOriginality(opts: OriginalityOptions): Promise<OriginalityReport> {
  const shotFiles = await mediaByName(opts.shots);
  const model = await loadAudioModel(opts.audioModel);
  try {
    const embed = async (path: string): Promise<Float64Array | null> =>
      clipEmbedding((await model.describe((await decodeMono(path, [16000]))[0])).embeddings);
    const shots = new Map<string, Float64Array>();
    for (const [name, path] of shotFiles) {
      const e = await embed(path);
      if (e) shots.set(name, e);
    }
    const plan: { system: string; className: string; files: string[] }[] = [];
    const unmatched: Record<string, string[]> = {};
    for (const [system, dir] of Object.entries(opts.systems)) {
      unmatched[system] = [];
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        throw new UsageError(
          `${dir}: folder not found (system ${system}). Give one subfolder of clips per class.`,
        );
      }
      const classDirs = entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      if (!classDirs.length)
        throw new UsageError(`${dir} (system ${system}) holds no class subfolders.`);
      for (const className of classDirs) {
        if (!shots.has(className)) unmatched[system].push(className);
        else
          plan.push({
            system,
            className,
            files: [...(await mediaByName(join(dir, className))).values()],
          });
      }
    }
    const total = plan.reduce((a, p) => a + p.files.length, 0);
    let done = 0;
    const bySystem = new Map<string, Map<string, Float64Array[]>>();
    for (const { system, className, files } of plan) {
      const classes = bySystem.get(system) ?? new Map<string, Float64Array[]>();
      bySystem.set(system, classes);
      const vectors: Float64Array[] = [];
      for (const f of files) {
        const e = await embed(f);
        if (e) vectors.push(e);
        opts.onProgress?.(++done, total);
      }
      classes.set(className, vectors);
    }
    return {
      audioModel: { name: model.name, note: model.note },
      systems: [...bySystem].map(([system, classes]) =>
        originalityAndRecognizability(system, classes, shots),
      ),
      unmatched,
    };
  } finally {
    await model.dispose();
  }
}
