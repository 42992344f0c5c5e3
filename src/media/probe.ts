import { stat } from 'node:fs/promises';
import type { Hertz, Seconds } from '../units.js';
import { MediaError } from './errors.js';
import { FFPROBE, describeInputFailure, fileArg, runTool } from './ffmpeg.js';

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: Hertz;
  channels: number;
  durationS: Seconds;
}

export interface VideoStreamInfo {
  index: number;
  codec: string;
  /** The picture's size as it is shown, and as ffmpeg decodes it: a phone's portrait clip,
   * stored landscape with a quarter-turn in its display matrix, is taller than wide. */
  width: number;
  height: number;
  /** Average frames per second (ffprobe's avg_frame_rate, else r_frame_rate). */
  frameRate: number;
  durationS: Seconds;
  /** Frames in the stream when the container says; otherwise estimated from duration. */
  frameCount: number;
}

export interface MediaInfo {
  path: string;
  formatName: string;
  durationS: Seconds;
  sizeBytes: number;
  /** The first audio stream, the one decodeAudio reads. */
  audio?: AudioStreamInfo;
  /** The first real video stream (cover art is skipped), the one videoFrames reads. */
  video?: VideoStreamInfo;
  streamCount: number;
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  sample_rate?: string;
  channels?: number;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: { side_data_type?: string; rotation?: number }[];
  tags?: { rotate?: string };
}

/** A stream's rotation in degrees: its display matrix's, else the older `rotate` tag's. */
function rotationOf(s: FfprobeStream): number {
  const matrix = s.side_data_list?.find((d) => d.side_data_type === 'Display Matrix');
  return finiteOr(Number(matrix?.rotation), finiteOr(Number(s.tags?.rotate), 0));
}

function parseRate(rate: string | undefined): number {
  if (!rate) return NaN;
  const [num, den] = rate.split('/').map(Number);
  return den ? num / den : num;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

/** Check that `path` names a readable regular file; a typed error otherwise. */
export async function assertFile(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new MediaError(
        'missing-file',
        path,
        `${path} is a symbolic link that points back to itself (a loop). Give the path of the real file.`,
      );
    }
    if (code === 'EACCES') {
      throw new MediaError(
        'missing-file',
        path,
        `${path} cannot be read: permission denied. Check the file's permissions.`,
      );
    }
    if (code === 'ENAMETOOLONG') {
      throw new MediaError('missing-file', path, `${path}: the name is too long for this system.`);
    }
    throw new MediaError(
      'missing-file',
      path,
      `${path}: file is missing. Check the path (it is resolved from ${process.cwd()}).`,
    );
  }
  if (!info.isFile()) {
    throw new MediaError(
      'not-media',
      path,
      `${path} is not a file (it is a folder or a device). Give the path of an audio or video file.`,
    );
  }
  return info.size;
}

/** One video packet's time (presentation, else decoding) and duration (NaN when not stated). */
interface PacketTime {
  t: number;
  dur: number;
}

/** The first real video stream's packet times (ffprobe's "V": no cover art), in file order. */
async function picturePackets(path: string): Promise<PacketTime[]> {
  const { stdout } = await runTool(
    FFPROBE,
    [
      '-v',
      'error',
      '-select_streams',
      'V:0',
      '-show_entries',
      'packet=pts_time,dts_time,duration_time',
      '-of',
      'csv=p=0',
      fileArg(path),
    ],
    { path, timeoutMs: 120_000, describeFailure: (stderr) => describeInputFailure(path, stderr) },
  );
  const out: PacketTime[] = [];
  for (const line of stdout.toString().split('\n')) {
    if (!line) continue;
    const [pts, dts, dur] = line.split(',').map(Number);
    const t = Number.isFinite(pts) ? pts : dts;
    if (Number.isFinite(t)) out.push({ t, dur });
  }
  return out;
}

/**
 * How long the picture lasts, from its packets (the last one's end minus the first one's
 * start): never the container's duration, which covers the longest stream (a Matroska file
 * with 3 s of picture and 5 s of sound says 5 s) and, in a cut-off MP4, the part that is gone.
 * A packet without a duration lasts one frame. NaN when there are no timed packets.
 */
export function pictureSpanS(packets: readonly PacketTime[], frameRate: number): Seconds {
  const frame = frameRate > 0 ? 1 / frameRate : 0;
  let first = Infinity;
  let end = -Infinity;
  for (const { t, dur } of packets) {
    first = Math.min(first, t);
    end = Math.max(end, t + (Number.isFinite(dur) && dur > 0 ? dur : frame));
  }
  return end > first ? end - first : NaN;
}

/** Image formats ffprobe reads as a one-frame "video". */
const STILL_IMAGE_FORMATS = /^(image2|\w+_pipe)$/;

/** Describe a media file: container, duration, first audio and video streams. */
export async function probe(path: string): Promise<MediaInfo> {
  const sizeBytes = await assertFile(path);
  if (sizeBytes === 0) {
    throw new MediaError(
      'zero-duration',
      path,
      `${path} is empty (0 bytes). Give a file that holds audio or video.`,
    );
  }
  // The picture's packets are read beside the description (one spawn's wait, not two); an
  // audio file answers with none. Its failure matters only if the description succeeds.
  const packets = picturePackets(path).then(
    (p) => ({ ok: true as const, p }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  const { stdout } = await runTool(
    FFPROBE,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', fileArg(path)],
    { path, timeoutMs: 60_000, describeFailure: (stderr) => describeInputFailure(path, stderr) },
  );
  const parsed = JSON.parse(stdout.toString()) as {
    format?: { format_name?: string; duration?: string };
    streams?: FfprobeStream[];
  };
  const streams = parsed.streams ?? [];
  const formatName = parsed.format?.format_name ?? 'unknown';
  if (streams.length === 0) {
    throw new MediaError(
      'not-media',
      path,
      `${path} holds no audio or video stream (format: ${formatName}). Give a media file.`,
    );
  }
  const formatDuration = Number(parsed.format?.duration);
  const a = streams.find((s) => s.codec_type === 'audio');
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio: AudioStreamInfo | undefined = a && {
    index: a.index,
    codec: a.codec_name ?? 'unknown',
    sampleRate: Number(a.sample_rate),
    channels: a.channels ?? 0,
    durationS: finiteOr(Number(a.duration), formatDuration),
  };
  if (v && !a && STILL_IMAGE_FORMATS.test(formatName)) {
    throw new MediaError(
      'still-image',
      path,
      `${path} is a still image (${v.codec_name ?? formatName}), not a video or audio file. Give a video clip (e.g. .mp4, .mov, .mkv).`,
    );
  }
  let video: VideoStreamInfo | undefined;
  if (v) {
    const frameRate = finiteOr(parseRate(v.avg_frame_rate), parseRate(v.r_frame_rate));
    const durationS = finiteOr(
      await packets.then((r) => (r.ok ? pictureSpanS(r.p, frameRate) : NaN)),
      finiteOr(Number(v.duration), formatDuration),
    );
    // ffmpeg turns the picture as it decodes (autorotate): a quarter-turn swaps the sides.
    const quarter = Math.abs(Math.round(rotationOf(v) / 90)) % 2 === 1;
    video = {
      index: v.index,
      codec: v.codec_name ?? 'unknown',
      width: (quarter ? v.height : v.width) ?? 0,
      height: (quarter ? v.width : v.height) ?? 0,
      frameRate,
      durationS,
      frameCount: finiteOr(Number(v.nb_frames), Math.round(durationS * frameRate)),
    };
  }
  const durationS = finiteOr(
    formatDuration,
    Math.max(audio?.durationS ?? 0, video?.durationS ?? 0),
  );
  if (!(durationS > 0)) {
    throw new MediaError(
      'zero-duration',
      path,
      `${path} has zero duration: there is nothing to analyse. Give a file with at least a few samples of audio or a frame of video.`,
    );
  }
  return { path, formatName, durationS, sizeBytes, audio, video, streamCount: streams.length };
}
