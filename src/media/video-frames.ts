import { spawn } from 'node:child_process';
import type { Seconds } from '../units.js';
import { MediaError } from './errors.js';
import {
  FFMPEG,
  describeInputFailure,
  fileArg,
  idleWatchdog,
  recordsOf,
  silentFailure,
  stderrOf,
  streamRecords,
  toolError,
} from './ffmpeg.js';
import { probe, type MediaInfo, type VideoStreamInfo } from './probe.js';

export interface VideoFrameOptions {
  /** Frames per second to sample (the paper: 10 for semantics, 1 for aesthetics). */
  fps: number;
  /** Output size in pixels; the picture is scaled to exactly this size. Default: the source's. */
  width?: number;
  height?: number;
  /** The height from the picture's aspect at `width` instead (`evenHeight`). */
  keepAspect?: boolean;
  /**
   * 'stretch' (default) scales to exactly width × height; 'cover' keeps the aspect ratio,
   * scaling to cover the size and cropping the centre (CLIP's resize + centre crop).
   */
  fit?: 'stretch' | 'cover';
  /** Sample only from this time on … */
  startS?: Seconds;
  /** … for at most this long. */
  durationS?: Seconds;
  /** What probe() already said of the file (saves probing it again). */
  info?: MediaInfo;
}

/**
 * The even height (at least 2) that keeps a w × h picture's aspect at `width`:
 * 2·round(width·h / 2w). ffmpeg evaluates the same sums in the same order (`evenHeightExpr`),
 * so a decode started before the probe answers makes frames of exactly this height.
 */
export function evenHeight(width: number, picture: { width: number; height: number }): number {
  const { width: w, height: h } = picture;
  if (!(w > 0 && h > 0)) return Math.max(2, 2 * Math.round((width * 9) / 32)); // 16:9 unknown
  return Math.max(2, 2 * Math.round((width * h) / (2 * w)));
}

/** `evenHeight` as an ffmpeg scale expression of the decoded picture (iw × ih). */
function evenHeightExpr(width: number): string {
  return `'max(2,2*round(${width}*ih/(2*iw)))'`;
}

export interface VideoFrame {
  index: number;
  /** Presentation time of the sampled frame. */
  timeS: Seconds;
  width: number;
  height: number;
  /** Packed RGB, 3 bytes a pixel, row-major. */
  rgb: Uint8Array;
}

/**
 * Sample the first video stream at `fps` as RGB frames, streamed one at a time from ffmpeg
 * (memory is one frame whatever the video's length).
 */
export async function* videoFrames(
  path: string,
  opts: VideoFrameOptions,
): AsyncGenerator<VideoFrame> {
  if (!(opts.fps > 0 && opts.fps <= 240)) {
    throw new MediaError('bad-argument', path, `fps must be between 0 and 240, got ${opts.fps}.`);
  }
  const info = opts.info ?? (await probe(path));
  if (!info.video) {
    throw new MediaError(
      'no-video',
      path,
      `${path} has no video stream${info.audio ? ' (it is audio only)' : ''}. Give a video file such as .mp4, .mov or .mkv.`,
    );
  }
  const width = opts.width ?? info.video.width;
  const height = opts.keepAspect
    ? evenHeight(width, info.video)
    : (opts.height ?? info.video.height);
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 2 && value <= 8192)) {
      throw new MediaError(
        'bad-argument',
        path,
        `${name} must be an integer from 2 to 8192 pixels, got ${value}.`,
      );
    }
  }
  const frameBytes = width * height * 3;
  const decode = (eofAction: 'round' | 'pass') => {
    const args = ['-nostdin', '-v', 'error'];
    if (opts.startS !== undefined) args.push('-ss', String(opts.startS));
    if (opts.durationS !== undefined) args.push('-t', String(opts.durationS));
    args.push(
      ...ANALYSIS_DECODE,
      '-i',
      fileArg(path),
      '-map',
      `0:${info.video!.index}`,
      '-an',
      '-sn',
      '-dn',
    );
    args.push(
      '-vf',
      samplingFilter(opts, width, height, eofAction),
      '-pix_fmt',
      'rgb24',
      '-f',
      'rawvideo',
      'pipe:1',
    );
    return streamRecords(args, {
      path,
      recordBytes: frameBytes,
      describeFailure: (stderr) => describeInputFailure(path, stderr),
    });
  };
  let index = 0;
  // The fps filter rounds a clip shorter than half a sample period to no frame at all; such a
  // clip (a 0.2 s sting, a single frame) is read again keeping its last frame.
  for (const eofAction of ['round', 'pass'] as const) {
    for await (const record of decode(eofAction)) {
      if (record.length < frameBytes) break; // a cut-off last frame is not a frame
      const timeS = (opts.startS ?? 0) + index / opts.fps;
      yield { index, timeS, width, height, rgb: new Uint8Array(record) };
      index++;
    }
    if (index > 0) break;
  }
  if (index === 0) {
    throw new MediaError(
      'zero-duration',
      path,
      `${path} produced no video frames at ${opts.fps} fps. The file may be damaged or shorter than one frame.`,
    );
  }
}

/**
 * Decoder options for frames that are only analysed (scaled down to 112 or 256 px and read as
 * statistics, never shown): no deblocking filter. It changes pixels by a few levels along block
 * edges, which the downscale averages away, and takes 13 % off decoding 720p H.264 (60 s: 1.90
 * → 1.64 s on 2 cores). Decoders without a loop filter ignore it.
 */
const ANALYSIS_DECODE = ['-skip_loop_filter', 'all'];

/** The ffmpeg filter for one sampling: the rate first (`eofAction`: whether a clip shorter
 * than half a period keeps its last frame), then the size and fit. */
function samplingFilter(
  opts: VideoFrameOptions,
  width: number,
  height: number | string,
  eofAction: 'round' | 'pass' = 'round',
): string {
  const fps = `fps=${opts.fps}:eof_action=${eofAction}`;
  return opts.fit === 'cover'
    ? `${fps},scale=${width}:${height}:force_original_aspect_ratio=increase:flags=area,crop=${width}:${height}`
    : `${fps},scale=${width}:${height}:flags=area`;
}

/**
 * Two samplings of the same video stream (e.g. 10 fps thumbnails and 1 fps stills) from one
 * decode: ffmpeg splits the decoded picture and writes each sampling to its own pipe, so the
 * film is decoded once, not twice (half the CPU of two `videoFrames` runs side by side). The
 * two streams must be read concurrently (each blocks ffmpeg while its pipe is full). Frames
 * and sizes are exactly `videoFrames`' for the same options; a sampling that yields no frame (a
 * clip shorter than its period) is read again on its own, as `videoFrames` does.
 *
 * `info` may still be coming (probe()'s promise): ffmpeg then starts at once, beside the probe
 * (its start-up, 50 ms of linking here, is a tenth of a 10 s clip's read), on the first picture
 * stream, with sizes it works out itself (each sampling gives a width, and a height or
 * `keepAspect`); the frames wait for the probe's answer, and a probe that fails or finds no
 * picture stops the decode. `signal` stops a decode that will not be read.
 */
export function videoFramesTwice(
  path: string,
  a: VideoFrameOptions,
  b: VideoFrameOptions,
  info: MediaInfo | Promise<MediaInfo>,
  opts: { signal?: AbortSignal } = {},
): [AsyncGenerator<VideoFrame>, AsyncGenerator<VideoFrame>] {
  const known = info instanceof Promise ? undefined : info;
  const noVideo = () =>
    new MediaError('no-video', path, `${path} has no video stream. Give a video file.`);
  if (known && !known.video) throw noVideo();
  const sizeOf = (o: VideoFrameOptions, video: VideoStreamInfo) => {
    const width = o.width ?? video.width;
    return { width, height: o.keepAspect ? evenHeight(width, video) : (o.height ?? video.height) };
  };
  // The filter's sizes: numbers when the probe has answered, else ffmpeg's own terms.
  const filterSize = (o: VideoFrameOptions): [number, number | string] => {
    if (known) {
      const { width, height } = sizeOf(o, known.video!);
      return [width, height];
    }
    if (o.width === undefined || (o.height === undefined && !o.keepAspect)) {
      throw new RangeError('a decode started before the probe needs each sampling’s size');
    }
    return [o.width, o.keepAspect ? evenHeightExpr(o.width) : o.height!];
  };
  const [fa, fb] = [filterSize(a), filterSize(b)];
  const args = ['-nostdin', '-v', 'error'];
  if (a.startS !== undefined) args.push('-ss', String(a.startS));
  if (a.durationS !== undefined) args.push('-t', String(a.durationS));
  args.push(...ANALYSIS_DECODE, '-i', fileArg(path), '-an', '-sn', '-dn');
  args.push(
    '-filter_complex',
    // 0:V:0, the first picture stream that is not cover art: the one probe() describes.
    `[0:${known ? known.video!.index : 'V:0'}]split[a][b];` +
      `[a]${samplingFilter(a, fa[0], fa[1])}[ra];` +
      `[b]${samplingFilter(b, fb[0], fb[1])}[rb]`,
  );
  args.push('-map', '[ra]', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');
  args.push('-map', '[rb]', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:3');
  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const stderr = stderrOf(child);
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (err) => {
      spawnError = err;
      resolve(null);
    });
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const ready = Promise.resolve(info).then((i) => {
    if (!i.video) throw noVideo();
    return i;
  });
  ready.catch(stop); // the error itself reaches whoever reads the frames
  opts.signal?.addEventListener('abort', stop, { once: true });
  // One watchdog for both pipes: a decode that stops feeding either is hung.
  const watchdog = idleWatchdog(child);
  let open = 2;
  async function* sampling(
    k: 0 | 1,
    opts: VideoFrameOptions,
    pipe: NodeJS.ReadableStream,
  ): AsyncGenerator<VideoFrame> {
    let resolved: MediaInfo | undefined;
    let index = 0;
    try {
      resolved = await ready;
      const video = resolved.video!;
      // A picture whose size the probe could not tell: ffmpeg's aspect (from the frames) and
      // evenHeight's (16:9, guessed) may differ, so this sampling is read on its own instead.
      const alone = !known && opts.keepAspect === true && !(video.width > 0 && video.height > 0);
      const { width, height } = sizeOf(opts, video);
      const frameBytes = width * height * 3;
      // A cut-off last frame (the leftover) is not a frame.
      for await (const record of alone ? [] : recordsOf(watchdog.watch(pipe), frameBytes)) {
        const timeS = (opts.startS ?? 0) + index / opts.fps;
        yield { index, timeS, width, height, rgb: new Uint8Array(record) };
        index++;
      }
      const code = alone ? 0 : await exited;
      if (spawnError) throw toolError(spawnError, path);
      if (watchdog.fired) throw silentFailure(path);
      if (code !== 0) throw describeInputFailure(path, stderr());
    } finally {
      if (--open === 0) {
        watchdog.stop();
        stop();
      }
      // A consumer that stops early must not leave ffmpeg blocked on its pipe.
      if (open > 0) (pipe as NodeJS.ReadableStream & { resume(): void }).resume();
    }
    if (index === 0) yield* videoFrames(path, { ...opts, info: resolved });
  }
  return [sampling(0, a, child.stdout!), sampling(1, b, child.stdio[3] as NodeJS.ReadableStream)];
}
