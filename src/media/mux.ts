import { extname } from 'node:path';
import type { Seconds } from '../units.js';
import { writeAtomically } from '../util/atomic-file.js';
import { MediaError } from './errors.js';
import { FFMPEG, describeInputFailure, runTool } from './ffmpeg.js';
import { probe, type MediaInfo } from './probe.js';

/** The fade-out where the audio is cut at the end of the picture, unless told otherwise. */
export const MUX_FADE_S: Seconds = 0.05;

export interface MuxOptions {
  /** The picture to keep (its video stream is copied, never re-encoded). */
  video: string;
  /** The new sound (any audio file; typically the score's WAV). */
  audio: string;
  output: string;
  /** 'replace' drops the video's own sound; 'mix' lays the new audio under it. */
  mode?: 'replace' | 'mix';
  /** Gain of the original sound in 'mix' mode. */
  originalGainDb?: number;
  /** Fade applied where the audio is cut or where it ends before the picture (default
   * MUX_FADE_S). */
  fadeS?: Seconds;
  /** What probe() already said of `video`, when the caller has it (saves an ffprobe run). */
  videoInfo?: MediaInfo;
  /** The audio's length when the caller wrote it and knows it; without it, `audio` is probed. */
  audioDurationS?: Seconds;
}

export interface MuxResult {
  output: string;
  /** The video stream's duration, which the output's audio now matches. */
  durationS: Seconds;
  /** What was done to the audio to fit: trimmed, padded with silence, or nothing. */
  fit: 'trimmed' | 'padded' | 'exact';
}

/** Audio codec for the output container (the video stream is copied whatever it is). */
function audioCodecFor(output: string): string[] {
  const ext = extname(output).toLowerCase();
  if (ext === '.webm') return ['-c:a', 'libopus', '-b:a', '160k'];
  if (ext === '.mkv') return ['-c:a', 'flac'];
  return ['-c:a', 'aac', '-b:a', '192k'];
}

/**
 * Put `audio` under `video` so that the output lasts exactly as long as the picture: audio
 * longer than the video is cut with a short fade-out; shorter audio fades out and is padded
 * with silence. The output is written to a temporary file and renamed when complete.
 */
export async function muxAudioUnderVideo(opts: MuxOptions): Promise<MuxResult> {
  const fadeS = opts.fadeS ?? MUX_FADE_S;
  const mode = opts.mode ?? 'replace';
  const [v, a] = await Promise.all([
    opts.videoInfo ?? probe(opts.video),
    opts.audioDurationS === undefined ? probe(opts.audio) : null,
  ]);
  if (!v.video) {
    throw new MediaError(
      'no-video',
      opts.video,
      `${opts.video} has no video stream to put the score under. Give a video file.`,
    );
  }
  const audioS = a ? a.audio?.durationS : opts.audioDurationS;
  if (audioS === undefined) {
    throw new MediaError(
      'no-audio',
      opts.audio,
      `${opts.audio} has no audio stream. Give the WAV (or other audio file) of the score.`,
    );
  }
  if (mode === 'mix' && !v.audio) {
    throw new MediaError(
      'no-audio',
      opts.video,
      `${opts.video} has no sound of its own to mix under; use replace mode.`,
    );
  }
  const durationS = v.video.durationS;
  const fit =
    Math.abs(audioS - durationS) < 1e-3 ? 'exact' : audioS > durationS ? 'trimmed' : 'padded';
  const fadeStart = Math.max(0, Math.min(audioS, durationS) - fadeS);
  const D = durationS.toFixed(6);
  const outRate = v.audio?.sampleRate && mode === 'mix' ? v.audio.sampleRate : 48000;
  // One filter chain: fade at the end of the usable audio, pad with silence, cut to D exactly.
  let graph =
    `[1:a:0]aresample=${outRate},` +
    (fadeS > 0 ? `afade=t=out:st=${fadeStart.toFixed(6)}:d=${fadeS},` : '') +
    `apad=whole_dur=${D},atrim=end=${D},asetpts=PTS-STARTPTS[score]`;
  if (mode === 'mix') {
    const gain = 10 ** ((opts.originalGainDb ?? 0) / 20);
    graph +=
      `;[0:a:0]aresample=${outRate},volume=${gain.toFixed(6)},apad=whole_dur=${D},atrim=end=${D}[orig]` +
      `;[orig][score]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix]`;
  }
  const outLabel = mode === 'mix' ? '[mix]' : '[score]';
  await writeAtomically(opts.output, async (tmp) => {
    const args = ['-nostdin', '-v', 'error', '-y', '-i', opts.video, '-i', opts.audio];
    args.push('-filter_complex', graph, '-map', `0:${v.video!.index}`, '-map', outLabel);
    args.push('-c:v', 'copy', ...audioCodecFor(opts.output), '-t', D);
    if (/\.(mp4|mov|m4v)$/i.test(opts.output)) args.push('-movflags', '+faststart');
    args.push(tmp);
    await runTool(FFMPEG, args, {
      path: opts.output,
      describeFailure: (stderr) => describeInputFailure(opts.video, stderr),
    });
  });
  return { output: opts.output, durationS, fit };
}
