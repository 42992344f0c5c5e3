import { extname } from 'node:path';
import { UsageError } from '../util/errors.js';

/**
 * What each output container can hold, and what goes into it when the picture cannot be copied.
 * Measured with Debian's ffmpeg 5.1 (`-c:v copy` of each source codec into each container;
 * test/reliability/containers.test.ts keeps the table honest): WebM takes only VP8, VP9 and
 * AV1; MP4 refuses VP8, ProRes and GIF; QuickTime refuses VP8 and VP9; AVI wants H.264 in
 * Annex B form, so H.264 is re-encoded there; .m4v (ffmpeg's iPod muxer) takes H.264, HEVC and
 * MPEG-4 Part 2 only. The first attempt follows the table; a copy that
 * ffmpeg still refuses is retried as a re-encode (see media/mux.ts).
 */
export interface ContainerSpec {
  /** What users call it (messages, README table). */
  label: string;
  /** Picture codecs (ffprobe's codec_name) copied as they are. */
  copies: readonly string[];
  /** The encoder and its settings when the picture must be re-encoded. */
  videoEncoder: readonly string[];
  /** The audio encoder and its settings (the score is always encoded). */
  audioEncoder: readonly string[];
  /** The same for the score alone, when it differs (no film sound mixed in). */
  scoreAudioEncoder?: readonly string[];
  /** Audio sample rates the audio encoder accepts (undefined: any). */
  audioRates?: readonly number[];
  /** Extra muxer flags. */
  muxerFlags: readonly string[];
}

// Even dimensions and 4:2:0 so that every player takes the re-encoded picture (GIFs and odd
// sizes would otherwise be refused by libx264 / libvpx).
const EVEN_420 = ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p'];
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', ...EVEN_420];

/**
 * ffmpeg's own AAC encoder with its fast coder: the default (two-loop) search took 1.5 s to
 * encode 60 s of music at 48 kHz on 2 cores, the fast one 0.9 s, and at 192 kb/s it is as
 * faithful (SNR against the input 53.9 vs 48.4 dB; BENCHMARKS.md, issue 16).
 */
const AAC = ['-c:a', 'aac', '-b:a', '192k', '-aac_coder', 'fast'];
/**
 * The score alone (16 kHz, nothing above 8 kHz) at 160 kb/s: on generated scores the fast
 * coder's in-band error is −55 dB of the signal at 160 kb/s against −43 dB at 192 kb/s, and
 * it encodes 10 s in 14 ms less (BENCHMARKS.md, "Speed, session 13"). Full-band sound (mixed
 * with the film's own) keeps 192 kb/s, where it is the more faithful (45.6 vs 41.2 dB on a
 * real track).
 */
const AAC_SCORE = ['-c:a', 'aac', '-b:a', '160k', '-aac_coder', 'fast'];

const ISO_COPIES = ['h264', 'hevc', 'mpeg4', 'mpeg2video', 'mpeg1video', 'mjpeg', 'av1'];

export const CONTAINERS: Readonly<Record<string, ContainerSpec>> = {
  '.mp4': {
    label: 'MP4',
    copies: [...ISO_COPIES, 'vp9'],
    videoEncoder: H264,
    audioEncoder: AAC,
    scoreAudioEncoder: AAC_SCORE,
    muxerFlags: ['-movflags', '+faststart'],
  },
  '.m4v': {
    label: 'MP4 (.m4v)',
    // ffmpeg writes .m4v with its iPod muxer, which takes fewer codecs than .mp4.
    copies: ['h264', 'hevc', 'mpeg4'],
    videoEncoder: H264,
    audioEncoder: AAC,
    scoreAudioEncoder: AAC_SCORE,
    muxerFlags: ['-movflags', '+faststart'],
  },
  '.mov': {
    label: 'QuickTime',
    copies: [...ISO_COPIES, 'prores', 'dnxhd', 'png', 'gif', 'qtrle'],
    videoEncoder: H264,
    audioEncoder: AAC,
    scoreAudioEncoder: AAC_SCORE,
    muxerFlags: ['-movflags', '+faststart'],
  },
  '.mkv': {
    label: 'Matroska',
    copies: [
      ...ISO_COPIES,
      'vp8',
      'vp9',
      'prores',
      'dnxhd',
      'ffv1',
      'theora',
      'png',
      'gif',
      'msmpeg4v3',
      'qtrle',
      'rawvideo',
    ],
    videoEncoder: H264,
    audioEncoder: ['-c:a', 'flac'],
    muxerFlags: [],
  },
  '.webm': {
    label: 'WebM',
    copies: ['vp8', 'vp9', 'av1'],
    videoEncoder: [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-row-mt',
      '1',
      '-b:v',
      '0',
      '-crf',
      '32',
      ...EVEN_420,
    ],
    audioEncoder: ['-c:a', 'libopus', '-b:a', '160k'],
    // libopus encodes at 48 kHz and its submultiples only.
    audioRates: [48000, 24000, 16000, 12000, 8000],
    muxerFlags: [],
  },
  '.avi': {
    label: 'AVI',
    copies: ['mpeg4', 'mjpeg', 'msmpeg4v3', 'msmpeg4v2', 'mpeg2video', 'mpeg1video', 'rawvideo'],
    videoEncoder: ['-c:v', 'mpeg4', '-q:v', '2', ...EVEN_420],
    // PCM: an AVI player takes it everywhere, and it ends on the sample (MP3's frames and
    // encoder delay would leave the sound up to 30 ms longer than the picture).
    audioEncoder: ['-c:a', 'pcm_s16le'],
    muxerFlags: [],
  },
};

/** The output file types `score` writes, for messages and --help. */
export const VIDEO_OUTPUT_TYPES = Object.keys(CONTAINERS);

/** The container an output path asks for, or a UsageError naming the option and the choices. */
export function containerFor(output: string, option = '-o/--output'): ContainerSpec {
  const ext = extname(output).toLowerCase();
  const spec = CONTAINERS[ext];
  if (spec) return spec;
  const audioHint = /^\.(wav|flac|ogg|mp3|m4a|opus|aac)$/.test(ext)
    ? ' (for the score alone, add --wav <file.wav>)'
    : '';
  throw new UsageError(
    `${option} ${JSON.stringify(output)}: ${ext ? `"${ext}" is not a video type filmscore writes` : 'the name has no extension, so the container is unknown'}${audioHint}. End the name in ${VIDEO_OUTPUT_TYPES.join(', ')}.`,
  );
}

/** How the picture goes into the output: `--video-codec copy|auto|<ffmpeg encoder>`. */
export type VideoCodecChoice = 'copy' | 'auto' | { encoder: string };

export function parseVideoCodec(v: string | undefined): VideoCodecChoice {
  if (v === undefined || v === 'auto') return 'auto';
  if (v === 'copy') return 'copy';
  if (!/^[A-Za-z0-9_-]+$/.test(v)) {
    throw new UsageError(
      `--video-codec must be copy, auto or an ffmpeg encoder name (e.g. libx264), not ${JSON.stringify(v)}`,
    );
  }
  return { encoder: v };
}

/** The decided treatment of the picture for one output. */
export interface VideoPlan {
  copy: boolean;
  /** ffmpeg arguments for the video stream. */
  args: string[];
  /** Why it is re-encoded, for the progress line (undefined when copied). */
  reason?: string;
}

export function planVideo(spec: ContainerSpec, codec: string, choice: VideoCodecChoice): VideoPlan {
  if (choice === 'copy') return { copy: true, args: ['-c:v', 'copy'] };
  if (typeof choice === 'object') {
    return {
      copy: false,
      args: ['-c:v', choice.encoder, ...EVEN_420],
      reason: `re-encoding the picture with ${choice.encoder} (--video-codec)`,
    };
  }
  if (spec.copies.includes(codec)) return { copy: true, args: ['-c:v', 'copy'] };
  return reencodePlan(spec, codec);
}

/** The container's own encoder for a picture it cannot take as it is. */
export function reencodePlan(spec: ContainerSpec, codec: string): VideoPlan {
  const encoder = spec.videoEncoder[spec.videoEncoder.indexOf('-c:v') + 1];
  return {
    copy: false,
    args: [...spec.videoEncoder],
    reason: `${spec.label} cannot hold the picture's ${codec} as it is: re-encoding it with ${encoder}`,
  };
}

/** The audio rate to encode at: `wanted` when the container's encoder takes it, else 48 kHz. */
export function audioRateFor(spec: ContainerSpec, wanted: number): number {
  return !spec.audioRates || spec.audioRates.includes(wanted) ? wanted : 48000;
}
