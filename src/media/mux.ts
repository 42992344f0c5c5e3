import type { Seconds } from '../units.js';
import { writeAtomically } from '../util/atomic-file.js';
import { MediaError, stderrTail } from './errors.js';
import { FFMPEG, describeInputFailure, fileArg, runTool } from './ffmpeg.js';
import {
  audioRateFor,
  containerFor,
  planVideo,
  reencodePlan,
  type VideoCodecChoice,
  type VideoPlan,
} from './containers.js';
import { probe, type MediaInfo } from './probe.js';

/** The fade-out where the audio is cut at the end of the picture, unless told otherwise. */
export const MUX_FADE_S: Seconds = 0.05;

export interface MuxOptions {
  /** The picture to keep (copied when the output container takes its codec, else re-encoded:
   * media/containers.ts). */
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
  /** copy (fail if the container cannot hold the picture), auto (default) or an encoder. */
  videoCodec?: VideoCodecChoice;
  /** Told when the picture is re-encoded, and why (a progress line). */
  onNote?: (note: string) => void;
}

export interface MuxResult {
  output: string;
  /** The video stream's duration, which the output's audio now matches. */
  durationS: Seconds;
  /** What was done to the audio to fit: trimmed, padded with silence, or nothing. */
  fit: 'trimmed' | 'padded' | 'exact';
  /** Whether the picture was copied as it was or re-encoded. */
  video: 'copied' | 're-encoded';
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
  const spec = containerFor(opts.output);
  const outRate = audioRateFor(
    spec,
    v.audio?.sampleRate && mode === 'mix' ? v.audio.sampleRate : 48000,
  );
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
  const attempt = (plan: VideoPlan): Promise<unknown> =>
    writeAtomically(opts.output, async (tmp) => {
      if (plan.reason) opts.onNote?.(plan.reason);
      // +genpts: AVI and raw streams carry no presentation times for a copied picture.
      const args = ['-nostdin', '-v', 'error', '-y', '-fflags', '+genpts'];
      args.push('-i', fileArg(opts.video), '-i', fileArg(opts.audio));
      args.push('-filter_complex', graph, '-map', `0:${v.video!.index}`, '-map', outLabel);
      args.push(...plan.args, ...spec.audioEncoder, '-t', D, ...spec.muxerFlags, fileArg(tmp));
      await runTool(FFMPEG, args, {
        path: opts.output,
        describeFailure: (stderr) => describeOutputFailure(opts, spec.label, plan, stderr),
      });
    });
  const choice = opts.videoCodec ?? 'auto';
  let plan = planVideo(spec, v.video.codec, choice);
  try {
    await attempt(plan);
  } catch (err) {
    // A copy the table allowed that ffmpeg still refused (odd bitstream forms, timestamps):
    // the container's own encoder always fits.
    if (!(choice === 'auto' && plan.copy && err instanceof MediaError)) throw err;
    plan = reencodePlan(spec, v.video.codec);
    await attempt(plan);
  }
  return { output: opts.output, durationS, fit, video: plan.copy ? 'copied' : 're-encoded' };
}

/** ffmpeg's refusal to write the output, blamed on the output or the option when they are the
 * cause, on the input otherwise. */
function describeOutputFailure(
  opts: MuxOptions,
  label: string,
  plan: VideoPlan,
  stderr: string,
): MediaError {
  const refused =
    /incorrect codec parameters|Could not find tag for codec|not supported|Not yet implemented|Unknown encoder|Invalid data found when processing input|Error initializing output stream|Error while opening encoder/i;
  if (refused.test(stderr) && !/Error while decoding|moov atom not found/i.test(stderr)) {
    const how = plan.copy
      ? `${label} cannot hold this picture as it is (--video-codec copy); use --video-codec auto to re-encode it, or another container`
      : `the picture could not be encoded for ${label} (${plan.args[1]}); try --video-codec auto or another container`;
    return new MediaError(
      'bad-argument',
      opts.output,
      `cannot write ${opts.output}: ${how} (ffmpeg: ${stderrTail(stderr, 2)}).`,
    );
  }
  return describeInputFailure(opts.video, stderr);
}
