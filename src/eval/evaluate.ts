import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { decodeAudio } from '../media/audio-decode.js';
import { analyzeFilm } from '../film/film-analysis.js';
import { dynamicsControl } from '../features/dynamics.js';
import { melodyControl } from '../features/melody.js';
import { UsageError } from '../util/errors.js';
import { dynamicsCorrelations, melodyAccuracy } from './control-fidelity.js';
import { MFCC_STATS, mfccStats } from './embedding.js';
import { frechetDistance, gaussianFit } from './frechet.js';
import {
  clipBeatScore,
  onsetSlots,
  rhythmScores,
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
  onProgress?: (done: number, total: number) => void;
}

export interface EvaluationReport {
  generated: number;
  /** Names with no partner in a folder that was given, per folder. */
  unpaired: { reference: string[]; video: string[]; controls: string[] };
  /** Fractions 0–1 (LORIS); null when no pairs. */
  rhythm: RhythmScores | null;
  /** Rhythm of the generated music against the videos' cuts. */
  rhythmVideo: RhythmScores | null;
  /** Fréchet distance between generated and reference sets on the built-in embedding. */
  FAD: { value: number; embedding: string; generated: number; reference: number } | null;
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

const mono = async (path: string, sampleRate: number): Promise<Float32Array> =>
  (await decodeAudio(path, { sampleRate, channels: 1 })).channels[0];

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
  const genEmb: Float64Array[] = [];
  const refEmb: Float64Array[] = [];
  const melody: number[] = [];
  const dynamics: [Float32Array, Float32Array][] = [];
  let done = 0;
  for (const [name, path] of generated) {
    const g22 = await mono(path, 22050);
    const slots = signalSlots(g22);
    const g16 = await mono(path, 16000);
    genEmb.push(mfccStats(g16));
    const ref = reference?.get(name);
    if (reference && !ref) unpaired.reference.push(name);
    if (ref) {
      beats.push(clipBeatScore(slots, signalSlots(await mono(ref, 22050))));
      refEmb.push(mfccStats(await mono(ref, 16000)));
    }
    const video = videos?.get(name);
    if (videos && !video) unpaired.video.push(name);
    if (video) {
      const film = await analyzeFilm(video, { faces: null });
      videoBeats.push(clipBeatScore(slots, onsetSlots(film.cuts, film.durationS)));
    }
    const control = controls?.get(name);
    if (controls && !control) unpaired.controls.push(name);
    if (control) {
      const c16 = await mono(control, 16000);
      melody.push(melodyAccuracy(melodyControl(c16), melodyControl(g16)));
      dynamics.push([dynamicsControl(c16), dynamicsControl(g16)]);
    }
    opts.onProgress?.(++done, generated.size);
  }
  if (reference) {
    for (const name of reference.keys()) if (!generated.has(name)) unpaired.reference.push(name);
  }
  const fad =
    genEmb.length >= 2 && refEmb.length >= 2
      ? {
          value: frechetDistance(gaussianFit(genEmb), gaussianFit(refEmb)),
          embedding: MFCC_STATS.name,
          generated: genEmb.length,
          reference: refEmb.length,
        }
      : null;
  const corr = dynamics.length ? dynamicsCorrelations(dynamics) : null;
  return {
    generated: generated.size,
    unpaired,
    rhythm: beats.length ? rhythmScores(beats) : null,
    rhythmVideo: videoBeats.length ? rhythmScores(videoBeats) : null,
    FAD: fad,
    melodyAcc: melody.length ? melody.reduce((a, b) => a + b, 0) / melody.length : null,
    dynamicsCorrMicro: corr?.micro ?? null,
    dynamicsCorrMacro: corr?.macro ?? null,
  };
}
