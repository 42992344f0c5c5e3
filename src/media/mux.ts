import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Hertz, Seconds } from '../units.js';
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
import { pcm16Bytes } from './wav.js';

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
  const job = planMux(opts, v, audioS);
  const attempt = (plan: VideoPlan): Promise<unknown> =>
    writeAtomically(opts.output, async (tmp) => {
      if (plan.reason) opts.onNote?.(plan.reason);
      await runTool(FFMPEG, job.args(plan, ['-i', fileArg(opts.audio)], tmp), {
        path: opts.output,
        describeFailure: (stderr) => describeOutputFailure(opts, job.spec.label, plan, stderr),
      });
    });
  const choice = opts.videoCodec ?? 'auto';
  let plan = job.plan(choice);
  try {
    await attempt(plan);
  } catch (err) {
    // A copy the table allowed that ffmpeg still refused (odd bitstream forms, timestamps):
    // the container's own encoder always fits.
    if (!(choice === 'auto' && plan.copy && err instanceof MediaError)) throw err;
    plan = reencodePlan(job.spec, v.video!.codec);
    await attempt(plan);
  }
  return job.result(plan);
}

/** What a mux of `audioS` seconds of sound under `v`'s picture writes, whatever feeds it. */
function planMux(opts: Omit<MuxOptions, 'audio'>, v: MediaInfo, audioS: Seconds) {
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
  const video = v.video;
  const durationS = video.durationS;
  const fit: MuxResult['fit'] =
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
  const audioEncoder =
    mode === 'mix' ? spec.audioEncoder : (spec.scoreAudioEncoder ?? spec.audioEncoder);
  return {
    spec,
    plan: (choice: VideoCodecChoice) => planVideo(spec, video.codec, choice),
    /** ffmpeg's arguments: the picture, then the sound (`audioInput`: its `-i`, with any
     * format options before it), into `tmp`. */
    args: (plan: VideoPlan, audioInput: readonly string[], tmp: string): string[] => [
      // +genpts: AVI and raw streams carry no presentation times for a copied picture.
      ...['-nostdin', '-v', 'error', '-y', '-fflags', '+genpts'],
      ...['-i', fileArg(opts.video), ...audioInput],
      ...['-filter_complex', graph, '-map', `0:${video.index}`, '-map', outLabel],
      ...[...plan.args, ...audioEncoder, '-t', D, ...spec.muxerFlags, fileArg(tmp)],
    ],
    result: (plan: VideoPlan): MuxResult => ({
      output: opts.output,
      durationS,
      fit,
      video: plan.copy ? 'copied' : 're-encoded',
    }),
  };
}

export interface StreamingMuxOptions extends Omit<MuxOptions, 'audio' | 'audioDurationS'> {
  videoInfo: MediaInfo;
  /** The score's rate and length in samples (mono): what `write` will be given, in order. */
  sampleRate: Hertz;
  frames: number;
  /** The program run for the streamed attempt (default ffmpeg; the tests give one that fails,
   * to see the WAV route take over). */
  ffmpeg?: string;
}

/**
 * A mux started before its sound is all there: ffmpeg starts and opens the picture at once,
 * then waits on a pipe for the score, handed to it in order as the 16-bit samples a WAV of it
 * holds. Why: ffmpeg's start (50 ms of linking its libraries here) and its opening of the film
 * can run beside the last of the music's making instead of after it (score-video.ts starts it
 * as a one-window score's vocoder DSP begins; BENCHMARKS.md, "Speed, session 13"). The output
 * is the file route's to the sample. Should ffmpeg refuse the streamed run (a copy the
 * container table allowed, say), `finish` muxes again from the score's WAV, the file route
 * with its retry.
 */
export class StreamingMux {
  private written = 0;
  private stdin?: Writable;
  private child?: ChildProcess;
  private closed = false;
  private readonly running: Promise<unknown>;
  private readonly job: ReturnType<typeof planMux>;
  private readonly plan: VideoPlan;

  private constructor(private readonly opts: StreamingMuxOptions) {
    this.job = planMux(opts, opts.videoInfo, opts.frames / opts.sampleRate);
    this.plan = this.job.plan(opts.videoCodec ?? 'auto');
    const input = ['-f', 's16le', '-ar', String(opts.sampleRate), '-ac', '1', '-i', 'pipe:0'];
    this.running = writeAtomically(opts.output, async (tmp) => {
      if (this.plan.reason) opts.onNote?.(this.plan.reason);
      await runTool(opts.ffmpeg ?? FFMPEG, this.job.args(this.plan, input, tmp), {
        path: opts.output,
        // ffmpeg waits on the score for as long as composing takes.
        timeoutMs: null,
        describeFailure: (stderr) =>
          describeOutputFailure(opts, this.job.spec.label, this.plan, stderr),
        input: (stdin, child) => {
          this.stdin = stdin;
          this.child = child;
          // Written after ffmpeg stopped reading (it had all it needed, or failed: its exit
          // status says which): nothing to do.
          stdin.on('error', () => undefined);
          stdin.on('close', () => (this.closed = true));
        },
      });
    });
    this.running.catch(() => undefined); // observed in finish()
  }

  /** Start ffmpeg on the picture; the score follows through `write`. */
  static start(opts: StreamingMuxOptions): StreamingMux {
    return new StreamingMux(opts);
  }

  /** Samples [at, at + samples.length) of the score: stretches come in order. */
  async write(samples: Float32Array, at: number): Promise<void> {
    if (at !== this.written) {
      throw new RangeError(`a streamed score goes in order: sample ${at} after ${this.written}`);
    }
    this.written += samples.length;
    if (this.closed) return;
    const ok = this.stdin!.write(pcm16Bytes(samples));
    // ffmpeg reads as it encodes: wait for it rather than hold a long film's sound here.
    if (!ok && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stdin!.off('drain', done);
          this.stdin!.off('close', done);
          resolve();
        };
        this.stdin!.on('drain', done);
        this.stdin!.on('close', done);
      });
    }
  }

  /**
   * The score is all written: let ffmpeg finish. If it refused the streamed run, mux again
   * from `audio` (the same score as a file; `muxAudioUnderVideo`, with its re-encode retry).
   */
  async finish(audio: string): Promise<MuxResult> {
    this.stdin?.end();
    try {
      await this.running;
      return this.job.result(this.plan);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      return muxAudioUnderVideo({
        ...this.opts,
        audio,
        audioDurationS: this.written / this.opts.sampleRate,
      });
    }
  }

  /** Stop ffmpeg; nothing of the output is left behind. */
  async abort(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.running.catch(() => undefined);
  }
}

/** ffmpeg's refusal to write the output, blamed on the output or the option when they are the
 * cause, on the input otherwise. */
function describeOutputFailure(
  opts: Pick<MuxOptions, 'video' | 'output'>,
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
