import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { LIBROSA_ONSET } from '../features/onset.js';
import { decodeAudioStream } from '../media/audio-decode.js';
import { MediaError } from '../media/errors.js';
import { probe, type MediaInfo } from '../media/probe.js';
import { videoFrames } from '../media/video-frames.js';
import type { Seconds } from '../units.js';
import { CacheIndex, type ClipRecord } from './cache-index.js';
import { featureVersion, FILM_INPUTS } from './feature-version.js';
import { readManifest, type ManifestRow } from './manifest.js';
import { encodeNpy, npyArray } from './npy.js';
import {
  AESTHETIC_KEYS,
  analyzeFilm,
  EMOTION_CLASSES,
  VIDEO_AFFECT_KEYS,
} from '../film/film-analysis.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { sharedWorkerPool } from '../util/worker-pool.js';
import { resample } from '../features/resample.js';
import { VocalRemover, type SeparatorOptions } from './vocal-removal.js';
import type { ClipFeatures } from './clip-features.js';
import { PAPER_RATIOS, SPLITS, splitByFilm, type SplitName } from './split.js';

export interface BuildOptions {
  manifest: string;
  out: string;
  /** Clip length (the paper: 10 s). Segments shorter than one clip are dropped. */
  clipS?: Seconds;
  ratios?: Readonly<Record<SplitName, number>>;
  seed?: string;
  onProgress?: (event: BuildProgress) => void;
  /** Worker threads computing clip features (default: one per core). */
  threads?: number;
  /** Remove vocals with this ONNX source-separation model first (default: off). */
  separator?: SeparatorOptions;
}

export type BuildProgress =
  | { stage: 'planning'; done: number; total: number }
  | { stage: 'building'; done: number; total: number; clip: string }
  | { stage: 'done' };

/** A manifest row that could not be used, with its line number and why. */
export interface RowProblem {
  line: number;
  field: string | null;
  message: string;
}

export interface BuildSummary {
  out: string;
  featureVersion: string;
  clipS: Seconds;
  rows: number;
  problems: RowProblem[];
  /** Segments shorter than one clip, dropped as the paper does. */
  droppedShort: { line: number; lengthS: Seconds }[];
  clipsPlanned: number;
  clipsBuilt: number;
  /** Complete clips of this feature version found from an earlier run. */
  clipsResumed: number;
  /** Clips of an older feature version, rebuilt. */
  clipsStale: number;
  clipsRemoved: number;
  splits: Record<SplitName, number>;
  hours: number;
  /** 'off', or the model used. */
  vocalRemoval: string;
  elapsedS: Seconds;
  /** Peak resident memory of this process (worker threads included; ffmpeg is separate). */
  peakRssMiB: number;
}

/** The model-side audio rate of the cache (AudioLDM's 16 kHz). */
export const CLIP_AUDIO_RATE = 16000;

interface PlannedClip {
  id: string;
  row: ManifestRow;
  index: number;
  startS: Seconds;
  split: SplitName;
}

interface PlannedSegment {
  row: ManifestRow;
  info: MediaInfo;
  clips: PlannedClip[];
}

/** Stable clip identity: the media file, the clip's start and its length. */
function clipId(media: string, startS: Seconds, clipS: Seconds): string {
  return createHash('sha256')
    .update(`${media}\0${startS.toFixed(3)}\0${clipS}`)
    .digest('hex')
    .slice(0, 16);
}

function problemFromError(row: ManifestRow, err: unknown): RowProblem {
  if (err instanceof MediaError) {
    const message =
      err.kind === 'missing-file'
        ? `${row.media}: media file is missing`
        : err.kind === 'no-audio'
          ? `${row.media}: no audio stream, so no music to learn from`
          : `${row.media}: unreadable audio (${err.message})`;
    return { line: row.line, field: 'media', message };
  }
  return { line: row.line, field: 'media', message: `${row.media}: ${(err as Error).message}` };
}

/** What the manifest says of a clip (stored in the index, updated on every build). */
function manifestFields(c: PlannedClip) {
  return {
    id: c.id,
    split: c.split,
    film: c.row.film,
    soundtrack: c.row.soundtrack,
    composers: c.row.composers,
    genres: c.row.genres,
    emotion: c.row.emotion ?? null,
    manifestLine: c.row.line,
  };
}

/**
 * Cut an interleaved sample stream into consecutive clips of `perClip` frames, planar, as
 * [clip index, channels]. A last clip the decoder cut short by a few samples is padded with
 * silence; at most `count` clips come out.
 */
async function* cutIntoClips(
  stream: AsyncIterable<Float32Array>,
  channels: number,
  perClip: number,
  count: number,
): AsyncGenerator<[number, Float32Array[]]> {
  let k = 0;
  let filled = 0;
  let span = Array.from({ length: channels }, () => new Float32Array(perClip));
  for await (const chunk of stream) {
    const frames = chunk.length / channels;
    for (let i = 0; i < frames && k < count;) {
      const take = Math.min(frames - i, perClip - filled);
      for (let ch = 0; ch < channels; ch++) {
        const dst = span[ch];
        for (let j = 0; j < take; j++) dst[filled + j] = chunk[(i + j) * channels + ch];
      }
      i += take;
      filled += take;
      if (filled === perClip) {
        yield [k++, span];
        filled = 0;
        span = Array.from({ length: channels }, () => new Float32Array(perClip));
      }
    }
  }
  if (k < count && filled > 0) yield [k, span];
}

/** The film encoder's frame inputs of a clip's picture, as .npy files. */
async function filmInputs(
  media: string,
  info: MediaInfo,
  startS: Seconds,
  clipS: Seconds,
): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for (const [name, cfg] of Object.entries(FILM_INPUTS)) {
    const frames: Uint8Array[] = [];
    for await (const f of videoFrames(media, { ...cfg, startS, durationS: clipS, info })) {
      frames.push(f.rgb);
    }
    const data = new Uint8Array(frames.reduce((s, f) => s + f.length, 0));
    frames.reduce((o, f) => (data.set(f, o), o + f.length), 0);
    const shape = [frames.length, cfg.height, cfg.width, 3];
    out.push([`frames_${name}.npy`, encodeNpy({ dtype: 'uint8', shape, data })]);
  }
  // The offline film encoder's branches, ready for LAFF training (training/train_laff.py).
  const film = await analyzeFilm(media, {}, { startS, durationS: clipS, info });
  const vector = (name: string, values: ArrayLike<number>): [string, Uint8Array] => [
    `film_${name}.npy`,
    encodeNpy(npyArray('float32', [values.length], values)),
  ];
  out.push(
    vector('semantic', film.semantic.vector),
    vector(
      'aesthetic',
      AESTHETIC_KEYS.map((k) => film.aesthetic[k]),
    ),
    vector(
      'emotion',
      EMOTION_CLASSES.map((k) => film.emotion[k]),
    ),
    vector(
      'affect',
      VIDEO_AFFECT_KEYS.map((k) => film.affect[k]),
    ),
  );
  return out;
}

async function isComplete(
  dir: string,
  rec: ClipRecord | undefined,
  version: string,
): Promise<boolean> {
  if (!rec || rec.featureVersion !== version) return false;
  for (const f of rec.files) {
    try {
      await stat(join(dir, f));
    } catch {
      return false;
    }
  }
  return true;
}

/** Leftovers of writes that an interrupted run never renamed into place. */
async function sweepPartials(clipsDir: string): Promise<void> {
  if (!existsSync(clipsDir)) return;
  for (const id of await readdir(clipsDir)) {
    const dir = join(clipsDir, id);
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (f.includes('.partial')) await rm(join(dir, f), { force: true });
    }
  }
}

/**
 * Build (or resume) a dataset from a manifest: plan 10 s clips per segment, split whole films
 * between train/val/test, and write each clip's features to `out/clips/<id>/` with a row in
 * `out/index.sqlite`. Unusable rows are reported and skipped.
 */
export async function buildDataset(opts: BuildOptions): Promise<BuildSummary> {
  const t0 = Date.now();
  const clipS = opts.clipS ?? 10;
  if (!(clipS > 0)) throw new RangeError(`clip length must be positive, got ${clipS}`);
  const out = resolve(opts.out);
  const clipsDir = join(out, 'clips');
  await mkdir(clipsDir, { recursive: true });
  const remover = opts.separator ? await VocalRemover.load(opts.separator) : undefined;
  const separation = remover && { ...remover.options, model: remover.modelHash };
  const version = featureVersion(clipS, separation ?? null);
  const vocalRemoval = remover
    ? `on: ${remover.options.model} (sha256 ${remover.modelHash})`
    : 'off';
  const progress = opts.onProgress ?? (() => {});

  // 1. Read and check the manifest; probe each row's media.
  const parsed = await readManifest(opts.manifest);
  const problems: RowProblem[] = [...parsed.problems];
  const droppedShort: BuildSummary['droppedShort'] = [];
  const segments: PlannedSegment[] = [];
  for (const [i, row] of parsed.rows.entries()) {
    progress({ stage: 'planning', done: i, total: parsed.rows.length });
    let info: MediaInfo;
    try {
      info = await probe(row.media);
      if (!info.audio) throw new MediaError('no-audio', row.media, 'no audio');
    } catch (err) {
      problems.push(problemFromError(row, err));
      continue;
    }
    const available = info.audio.durationS;
    if (row.end > available + 0.05) {
      problems.push({
        line: row.line,
        field: 'end',
        message: `"end" (${row.end} s) is past the end of ${row.media} (${available.toFixed(2)} s)`,
      });
      continue;
    }
    const n = Math.floor((row.end - row.start) / clipS + 1e-9);
    if (n === 0) {
      droppedShort.push({ line: row.line, lengthS: row.end - row.start });
      continue;
    }
    const clips = Array.from({ length: n }, (_, k) => {
      const startS = row.start + k * clipS;
      return {
        id: clipId(row.media, startS, clipS),
        row,
        index: k,
        startS,
        split: 'train' as SplitName,
      };
    });
    segments.push({ row, info, clips });
  }
  problems.sort((a, b) => a.line - b.line);

  // 2. Split whole films.
  const perFilm = new Map<string, number>();
  for (const s of segments)
    perFilm.set(s.row.film, (perFilm.get(s.row.film) ?? 0) + s.clips.length);
  const filmSplit = splitByFilm(perFilm, opts.ratios ?? PAPER_RATIOS, opts.seed);
  for (const s of segments) for (const c of s.clips) c.split = filmSplit.get(s.row.film)!;

  // 3. Build what is missing or stale; keep what is complete.
  await sweepPartials(clipsDir);
  const index = new CacheIndex(join(out, 'index.sqlite'));
  const pool = sharedWorkerPool<Float32Array, ClipFeatures>(
    new URL('./clip-worker.js', import.meta.url),
    opts.threads ?? Math.max(1, availableParallelism()),
  );
  const summary: BuildSummary = {
    out,
    featureVersion: version,
    clipS,
    rows: parsed.rows.length + parsed.problems.length,
    problems,
    droppedShort,
    clipsPlanned: segments.reduce((s, g) => s + g.clips.length, 0),
    clipsBuilt: 0,
    clipsResumed: 0,
    clipsStale: 0,
    clipsRemoved: 0,
    splits: { train: 0, val: 0, test: 0 },
    hours: 0,
    vocalRemoval,
    elapsedS: 0,
    peakRssMiB: 0,
  };
  try {
    index.setMeta('clipS', String(clipS));
    index.setMeta('featureVersion', version);
    index.setMeta('vocalRemoval', vocalRemoval);
    let done = 0;
    const kept = new Set<string>();
    for (const seg of segments) {
      const todo: PlannedClip[] = [];
      for (const c of seg.clips) {
        const rec = index.get(c.id);
        if (await isComplete(join(clipsDir, c.id), rec, version)) {
          index.updateMetadata(manifestFields(c));
          summary.clipsResumed++;
          kept.add(c.id);
          progress({ stage: 'building', done: ++done, total: summary.clipsPlanned, clip: c.id });
        } else {
          if (rec) summary.clipsStale++;
          todo.push(c);
        }
      }
      if (todo.length === 0) continue;
      // Without vocal removal: mono at the rhythm clock. With it: the separator's own rate and
      // channels, then accompaniment → mono → 22,050 Hz per clip.
      const rate = remover?.options.sampleRate ?? LIBROSA_ONSET.sampleRate;
      const channels = remover?.options.channels ?? 1;
      const perClip = Math.round(clipS * rate);
      const toRhythmClock = async (span: Float32Array[]): Promise<Float32Array> => {
        if (!remover) return span[0];
        const acc = await remover.accompaniment(span);
        const mono = new Float32Array(perClip);
        for (const ch of acc) for (let i = 0; i < perClip; i++) mono[i] += ch[i] / acc.length;
        return resample(mono, rate, LIBROSA_ONSET.sampleRate).slice(
          0,
          Math.round(clipS * LIBROSA_ONSET.sampleRate),
        );
      };
      const buildOne = async (c: PlannedClip, span: Float32Array[]): Promise<void> => {
        const x = await toRhythmClock(span);
        const features = await pool.run(x, [x.buffer as ArrayBuffer]);
        const files = [...features.files];
        if (seg.info.video)
          files.push(...(await filmInputs(seg.row.media, seg.info, c.startS, clipS)));
        const dir = join(clipsDir, c.id);
        await mkdir(dir, { recursive: true });
        const hash = createHash('sha256');
        for (const [name, bytes] of files) {
          await writeFileAtomically(join(dir, name), bytes);
          hash.update(bytes);
        }
        // The row goes in last: a row always means a complete clip.
        index.put({
          ...manifestFields(c),
          media: c.row.media,
          startS: c.startS,
          durationS: clipS,
          hasVideo: Boolean(seg.info.video),
          featureVersion: version,
          checksum: hash.digest('hex'),
          files: files.map(([name]) => name),
          affect: features.affect,
        });
        summary.clipsBuilt++;
        kept.add(c.id);
        progress({ stage: 'building', done: ++done, total: summary.clipsPlanned, clip: c.id });
      };
      // Stream the segment and cut it into clips as the samples arrive: memory holds a few
      // clips in flight (two per worker), never the whole segment, whatever its length.
      const wanted = new Map(todo.map((c) => [c.index, c]));
      const inFlight = new Set<Promise<void>>();
      try {
        const stream = decodeAudioStream(seg.row.media, {
          sampleRate: rate,
          channels,
          startS: seg.row.start,
          durationS: seg.clips.length * clipS,
          info: seg.info,
        });
        for await (const [k, span] of cutIntoClips(stream, channels, perClip, seg.clips.length)) {
          const c = wanted.get(k);
          if (!c) continue;
          const job: Promise<void> = buildOne(c, span).finally(() => inFlight.delete(job));
          inFlight.add(job);
          if (inFlight.size >= 2 * pool.size) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
      } catch (err) {
        await Promise.allSettled(inFlight);
        problems.push(problemFromError(seg.row, err));
      }
    }
    // Clips no longer in the manifest (or of rows that failed) leave the index and the disk.
    for (const id of index.retain(kept)) {
      await rm(join(clipsDir, id), { recursive: true, force: true });
      summary.clipsRemoved++;
    }
    for (const rec of index.all()) summary.splits[rec.split]++;
  } finally {
    index.close();
    await remover?.dispose();
  }
  problems.sort((a, b) => a.line - b.line);
  summary.hours = (SPLITS.reduce((s, k) => s + summary.splits[k], 0) * clipS) / 3600;
  summary.elapsedS = (Date.now() - t0) / 1000;
  summary.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  progress({ stage: 'done' });
  return summary;
}

/** Recompute a clip's checksum from its files (true when they are intact). */
export async function verifyClip(out: string, rec: ClipRecord): Promise<boolean> {
  const hash = createHash('sha256');
  for (const f of rec.files) {
    try {
      hash.update(await readFile(join(resolve(out), 'clips', rec.id, f)));
    } catch {
      return false;
    }
  }
  return hash.digest('hex') === rec.checksum;
}
