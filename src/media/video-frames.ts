import type { Seconds } from '../units.js';
import { MediaError } from './errors.js';
import { describeInputFailure, fileArg, streamRecords } from './ffmpeg.js';
import { probe, type MediaInfo } from './probe.js';

export interface VideoFrameOptions {
  /** Frames per second to sample (the paper: 10 for semantics, 1 for aesthetics). */
  fps: number;
  /** Output size in pixels; the picture is scaled to exactly this size. Default: the source's. */
  width?: number;
  height?: number;
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
  const height = opts.height ?? info.video.height;
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
    args.push('-i', fileArg(path), '-map', `0:${info.video!.index}`, '-an', '-sn', '-dn');
    const fps = `fps=${opts.fps}:eof_action=${eofAction}`;
    args.push(
      '-vf',
      opts.fit === 'cover'
        ? `${fps},scale=${width}:${height}:force_original_aspect_ratio=increase:flags=area,crop=${width}:${height}`
        : `${fps},scale=${width}:${height}:flags=area`,
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
