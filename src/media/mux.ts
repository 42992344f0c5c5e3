import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import type { Hertz, Seconds } from '../units.js';
import { tempPathFor, writeAtomically } from '../util/atomic-file.js';
import { MediaError, stderrTail } from './errors.js';
import { FFMPEG, describeInputFailure, fileArg, runTool, startTool } from './ffmpeg.js';
import { pcm16Bytes } from './wav.js';
import {
  audioRateFor,
  containerFor,
  type ContainerSpec,
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
  /** Whether the sound was fed while it was made (startStreamedMux) or read from a file. */
  sound: 'streamed' | 'file';
}

/**
 * Put `audio` under `video` so that the output lasts exactly as long as the picture: audio
 * longer than the video is cut with a short fade-out; shorter audio fades out and is padded
 * with silence. The output is written to a temporary file and renamed when complete.
 */
export async function muxAudioUnderVideo(opts: MuxOptions): Promise<MuxResult> {
  const [v, a] = await Promise.all([
    opts.videoInfo ?? probe(opts.video),
    opts.audioDurationS === undefined ? probe(opts.audio) : null,
  ]);
  const audioS = a ? a.audio?.durationS : opts.audioDurationS;
  if (audioS === undefined) {
    throw new MediaError(
      'no-audio',
      opts.audio,
      `${opts.audio} has no audio stream. Give the WAV (or other audio file) of the score.`,
    );
  }
  const setup = planMux(opts, v, audioS);
  const attempt = (plan: VideoPlan): Promise<unknown> =>
    writeAtomically(opts.output, async (tmp) => {
      if (plan.reason) opts.onNote?.(plan.reason);
      await runTool(FFMPEG, muxArgs(setup, plan, ['-i', fileArg(opts.audio)], tmp), {
        path: opts.output,
        describeFailure: (stderr) => describeOutputFailure(opts, setup.spec.label, plan, stderr),
      });
    });
  const choice = opts.videoCodec ?? 'auto';
  let plan = setup.plan;
  try {
    await attempt(plan);
  } catch (err) {
    // A copy the table allowed that ffmpeg still refused (odd bitstream forms, timestamps):
    // the container's own encoder always fits.
    if (!(choice === 'auto' && plan.copy && err instanceof MediaError)) throw err;
    plan = reencodePlan(setup.spec, setup.video.codec);
    await attempt(plan);
  }
  return setup.result(plan, 'file');
}

export interface StreamedMuxOptions extends Omit<MuxOptions, 'audio' | 'audioDurationS'> {
  /** The sound arrives through `write` as mono samples at this rate … */
  sampleRate: Hertz;
  /** … and this long in all. */
  audioDurationS: Seconds;
}

/** A mux running while its sound is made (`startStreamedMux`). */
export interface StreamedMux {
  /** The next samples of the sound, in order. After a failure, nothing: `finish` says why. */
  write(samples: Float32Array): Promise<void>;
  /** End the sound, wait for the output and put it in place. */
  finish(): Promise<MuxResult>;
  /** Stop, leaving no output behind. */
  abort(): Promise<void>;
}

/**
 * `muxAudioUnderVideo` with the sound fed as it is made: ffmpeg starts at once, reads the
 * picture as the sound comes and encodes the sound alongside, so the encoding (0.6 s of AAC
 * for a minute of score) overlaps the generation instead of following it. It does not retry:
 * when ffmpeg refuses (a copy this container will not take), `finish` rejects, and the caller
 * muxes the written file with `muxAudioUnderVideo`, which does.
 */
export async function startStreamedMux(opts: StreamedMuxOptions): Promise<StreamedMux> {
  const setup = planMux(opts, opts.videoInfo ?? (await probe(opts.video)), opts.audioDurationS);
  const tmp = tempPathFor(opts.output);
  const plan = setup.plan;
  const pcm = ['-f', 's16le', '-ar', String(opts.sampleRate), '-ac', '1', '-i', 'pipe:0'];
  const tool = startTool(FFMPEG, muxArgs(setup, plan, pcm, tmp), {
    path: opts.output,
    describeFailure: (stderr) =>
      describeOutputFailure({ ...opts, audio: 'pipe:0' }, setup.spec.label, plan, stderr),
  });
  let failed = false;
  const exited = tool.done.then(
    () => undefined,
    (err: unknown) => {
      failed = true;
      return err;
    },
  );
  const cleanUp = (): Promise<void> => rm(tmp, { force: true });
  return {
    async write(samples) {
      if (failed || tool.stdin.destroyed) return;
      if (!tool.stdin.write(pcm16Bytes(samples))) {
        // Back-pressure: ffmpeg takes the sound as fast as it interleaves it with the picture.
        await Promise.race([once(tool.stdin, 'drain'), exited]);
      }
    },
    async finish() {
      // Said now, when the caller's progress reaches the mux, though it began long before.
      if (plan.reason) opts.onNote?.(plan.reason);
      tool.stdin.end();
      const err = await exited;
      if (err) {
        await cleanUp();
        throw err;
      }
      try {
        await rename(tmp, opts.output);
      } catch (e) {
        await cleanUp();
        throw e;
      }
      return setup.result(plan, 'streamed');
    },
    async abort() {
      tool.kill();
      await exited;
      await cleanUp();
    },
  };
}

/** What a mux decides before any sound is read: the fit, the filter graph, the picture's plan. */
interface MuxSetup {
  videoPath: string;
  video: NonNullable<MediaInfo['video']>;
  spec: ContainerSpec;
  plan: VideoPlan;
  graph: string;
  outLabel: string;
  /** The picture's length, as ffmpeg is given it. */
  D: string;
  result(plan: VideoPlan, sound: MuxResult['sound']): MuxResult;
}

function planMux(
  opts: Omit<MuxOptions, 'audio' | 'audioDurationS'>,
  v: MediaInfo,
  audioS: Seconds,
): MuxSetup {
  const fadeS = opts.fadeS ?? MUX_FADE_S;
  const mode = opts.mode ?? 'replace';
  if (!v.video) {
    throw new MediaError(
      'no-video',
      opts.video,
      `${opts.video} has no video stream to put the score under. Give a video file.`,
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
  return {
    videoPath: opts.video,
    video: v.video,
    spec,
    plan: planVideo(spec, v.video.codec, opts.videoCodec ?? 'auto'),
    graph,
    outLabel: mode === 'mix' ? '[mix]' : '[score]',
    D,
    result: (plan, sound) => ({
      output: opts.output,
      durationS,
      fit,
      video: plan.copy ? 'copied' : 're-encoded',
      sound,
    }),
  };
}

/** ffmpeg's arguments for a mux: the picture, the sound (`audioInput`: its -i and format). */
function muxArgs(s: MuxSetup, plan: VideoPlan, audioInput: string[], tmp: string): string[] {
  // +genpts: AVI and raw streams carry no presentation times for a copied picture.
  const args = ['-nostdin', '-v', 'error', '-y', '-fflags', '+genpts'];
  args.push('-i', fileArg(s.videoPath), ...audioInput);
  args.push('-filter_complex', s.graph, '-map', `0:${s.video.index}`, '-map', s.outLabel);
  args.push(...plan.args, ...s.spec.audioEncoder, '-t', s.D, ...s.spec.muxerFlags, fileArg(tmp));
  return args;
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
