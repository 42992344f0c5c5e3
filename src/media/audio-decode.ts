import { readFile } from 'node:fs/promises';
import { resample } from '../features/resample.js';
import type { Hertz, Seconds } from '../units.js';
import { MediaError } from './errors.js';
import { describeInputFailure, fileArg, streamRecords, truncationWarning } from './ffmpeg.js';
import { probe, type MediaInfo } from './probe.js';
import { parseWav } from './wav.js';

export interface DecodeAudioOptions {
  /** Output rate; ffmpeg resamples (soxr-quality swr). */
  sampleRate: Hertz;
  /** 1 downmixes to mono, 2 keeps/makes stereo. */
  channels: number;
  /** Frames per chunk yielded by the stream (default 1 s worth). */
  chunkFrames?: number;
  /** Decode only from this time on. */
  startS?: Seconds;
  /** Decode at most this long. */
  durationS?: Seconds;
  /** What probe() already said of the file (saves probing it again). */
  info?: MediaInfo;
}

/** Decoded audio, planar: one Float32Array per channel. */
export interface AudioBuffer {
  sampleRate: Hertz;
  channels: Float32Array[];
}

/** Decoding that ends this much short of the container's stated duration counts as truncated. */
const TRUNCATION_SLACK_S = 0.25;
const TRUNCATION_FRACTION = 0.98;

function checkOptions(path: string, opts: DecodeAudioOptions): void {
  if (
    !(opts.sampleRate >= 1000 && opts.sampleRate <= 384000) ||
    !Number.isInteger(opts.sampleRate)
  ) {
    throw new MediaError(
      'bad-argument',
      path,
      `sampleRate must be an integer between 1000 and 384000 Hz, got ${opts.sampleRate}.`,
    );
  }
  if (!(opts.channels >= 1 && opts.channels <= 8) || !Number.isInteger(opts.channels)) {
    throw new MediaError(
      'bad-argument',
      path,
      `channels must be an integer from 1 to 8, got ${opts.channels}.`,
    );
  }
}

function requireAudio(info: MediaInfo): void {
  if (!info.audio) {
    const has = info.video ? 'only a video stream' : 'no audio stream';
    throw new MediaError(
      'no-audio',
      info.path,
      `${info.path} has ${has}; there is no sound to analyse. Give a file with an audio track.`,
    );
  }
}

/** Samples that are NaN or infinite are not sound: a MediaError saying where (`timeOf` the
 * index of the first). */
function requireFinite(path: string, x: Float32Array, timeOf: (index: number) => Seconds): void {
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new MediaError(
      'bad-samples',
      path,
      `${path} holds NaN or infinite samples (at ${timeOf(bad).toFixed(2)} s): it was written wrongly and there is no sound to read there. Export the audio again.`,
    );
  }
}

/**
 * Decode the first audio stream of any audio or video file to interleaved float32 PCM at the
 * requested rate and channel count, as a stream of chunks (`chunkFrames` frames each, the last
 * one shorter). Memory does not grow with the file's length. When the decoder delivers clearly
 * less than the container promised, the stream ends with a 'truncated' MediaError.
 */
export async function* decodeAudioStream(
  path: string,
  opts: DecodeAudioOptions,
): AsyncGenerator<Float32Array> {
  checkOptions(path, opts);
  const info = opts.info ?? (await probe(path));
  requireAudio(info);
  const chunkFrames = opts.chunkFrames ?? opts.sampleRate;
  const args = ['-nostdin', '-v', 'error'];
  if (opts.startS !== undefined) args.push('-ss', String(opts.startS));
  if (opts.durationS !== undefined) args.push('-t', String(opts.durationS));
  args.push('-i', fileArg(path), '-map', `0:${info.audio!.index}`, '-vn', '-sn', '-dn');
  args.push('-ac', String(opts.channels), '-ar', String(opts.sampleRate), '-f', 'f32le', 'pipe:1');

  let frames = 0;
  for await (const record of streamRecords(args, {
    path,
    recordBytes: chunkFrames * opts.channels * 4,
    describeFailure: (stderr) => describeInputFailure(path, stderr),
    judgeWarnings: (stderr) => truncationWarning(path, stderr),
  })) {
    // Copy: the record may be a view into a Buffer that is reused, and may be unaligned.
    const chunk = new Float32Array(record.length >> 2);
    new Uint8Array(chunk.buffer).set(record.subarray(0, chunk.length * 4));
    requireFinite(path, chunk, () => frames / opts.sampleRate);
    frames += chunk.length / opts.channels;
    yield chunk;
  }

  const startS = opts.startS ?? 0;
  const expectedS = Math.min(opts.durationS ?? Infinity, info.audio!.durationS - startS);
  const gotS = frames / opts.sampleRate;
  if (
    Number.isFinite(expectedS) &&
    expectedS > 0 &&
    gotS < expectedS * TRUNCATION_FRACTION - TRUNCATION_SLACK_S
  ) {
    throw new MediaError(
      'truncated',
      path,
      `${path} looks truncated: its header promises ${expectedS.toFixed(2)} s of audio but only ${gotS.toFixed(2)} s could be decoded. Copy or download the file again.`,
    );
  }
  if (frames === 0) {
    throw new MediaError(
      'zero-duration',
      path,
      `${path} decoded to no audio samples. Give a file with sound in it.`,
    );
  }
}

/** Decode a whole file (or a span of it) into planar channels. */
export async function decodeAudio(path: string, opts: DecodeAudioOptions): Promise<AudioBuffer> {
  const chunks: Float32Array[] = [];
  let total = 0;
  for await (const chunk of decodeAudioStream(path, opts)) {
    chunks.push(chunk);
    total += chunk.length;
  }
  const n = total / opts.channels;
  const channels = Array.from({ length: opts.channels }, () => new Float32Array(n));
  let frame = 0;
  for (const chunk of chunks) {
    const frames = chunk.length / opts.channels;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < opts.channels; c++) channels[c][frame + i] = chunk[i * opts.channels + c];
    }
    frame += frames;
  }
  return { sampleRate: opts.sampleRate, channels };
}

/**
 * A whole file as one channel at each of `rates`, decoded once. Mono and stereo PCM / float
 * WAV files are read here and resampled in TypeScript (features/resample.ts) from their own
 * rate, which saves starting ffmpeg, most of the cost of a short clip (BENCHMARKS.md,
 * "Evaluation"); anything else is decoded by ffmpeg at the first rate and resampled from that.
 * Stereo folds down as ffmpeg's does, (L + R)·√½, so both routes give the same level.
 */
export async function decodeMono(path: string, rates: readonly Hertz[]): Promise<Float32Array[]> {
  let source: { x: Float32Array; rate: Hertz } | null = null;
  if (/\.wav$/i.test(path)) {
    // Unreadable here (missing, no permission): ffmpeg says what is wrong with it below.
    const wav = await readFile(path).then(parseWav, () => null);
    if (wav && wav.channels.length <= 2 && wav.channels[0].length > 0) {
      const [l, r] = wav.channels;
      const x = r ? Float32Array.from(l, (v, i) => (v + r[i]) * Math.SQRT1_2) : l;
      source = { x, rate: wav.sampleRate };
    }
  }
  if (!source) {
    const rate = rates[0];
    source = { x: (await decodeAudio(path, { sampleRate: rate, channels: 1 })).channels[0], rate };
  }
  const { x, rate } = source;
  requireFinite(path, x, (i) => i / rate);
  return rates.map((to) => (to === rate ? x : resample(x, rate, to)));
}
