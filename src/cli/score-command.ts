import { loadModelFolder, DEFAULT_MODEL_DIR } from '../generator/model-folder.js';
import { parseMood } from '../generator/condition.js';
import { SCHEDULERS, type SchedulerName } from '../sampler/index.js';
import { readFilmToScore, scoreVideo } from '../score/score-video.js';
import { UsageError } from '../util/errors.js';
import { defaultVocoderName, VOCODERS, type VocoderName } from '../decoder/vocoders.js';
import { StageReporter, WindowProgress } from './progress.js';
import { guidanceScale, integer } from './arguments.js';
import { containerFor, parseVideoCodec } from '../media/containers.js';
import { requireEncoder } from '../media/ffmpeg.js';
import { checkOutputPaths } from '../util/output-paths.js';
import { readStyleReference, type StyleCommandOptions } from './style-options.js';

export interface ScoreCommandOptions extends StyleCommandOptions {
  /** A reference piece whose melody and/or dynamics the score follows. */
  styleFrom?: string;
  output: string;
  model?: string;
  seed?: string;
  steps?: string;
  guidance?: string;
  scheduler?: string;
  vocoder?: string;
  wav?: string;
  mix?: boolean;
  loop?: boolean;
  /** false with --no-hit-cuts. */
  hitCuts?: boolean;
  mood?: string;
  json?: boolean;
  quiet?: boolean;
  videoCodec?: string;
}

export async function runScore(video: string, opts: ScoreCommandOptions): Promise<void> {
  // Before any work (the model loads in seconds, the score takes minutes): the output's type,
  // its folder, and that nothing the command reads would be overwritten.
  containerFor(opts.output);
  const videoCodec = parseVideoCodec(opts.videoCodec);
  if (typeof videoCodec === 'object') await requireEncoder(videoCodec.encoder);
  await checkOutputPaths(
    [
      { path: video, role: 'the input video' },
      ...(opts.styleFrom ? [{ path: opts.styleFrom, role: 'the --style-from piece' }] : []),
    ],
    [
      { path: opts.output, role: '-o/--output' },
      ...(opts.wav !== undefined ? [{ path: opts.wav, role: '--wav' }] : []),
    ],
  );
  const stages = new StageReporter(Boolean(opts.quiet));
  stages.stage(`loading the model (${opts.model ?? DEFAULT_MODEL_DIR}) and reading the film`);
  // The film is read (ffmpeg, the face model) while the networks load.
  const film = readFilmToScore(video);
  const model = await loadModelFolder(opts.model ?? DEFAULT_MODEL_DIR);
  try {
    const d = model.manifest.defaults;
    const steps = integer('--steps', opts.steps, d.steps, 1, model.manifest.schedule.steps);
    const seed = integer('--seed', opts.seed, 0, 0, 2 ** 32 - 1);
    const guidance = guidanceScale(opts.guidance, d.guidance);
    const scheduler = (opts.scheduler ?? d.scheduler) as SchedulerName;
    if (!SCHEDULERS.includes(scheduler)) {
      throw new UsageError(
        `--scheduler must be ${SCHEDULERS.join(' or ')}, not "${opts.scheduler}"`,
      );
    }
    const vocoder = (opts.vocoder ?? defaultVocoderName(model.manifest)) as VocoderName;
    if (!VOCODERS.includes(vocoder)) {
      throw new UsageError(`--vocoder must be ${VOCODERS.join(', ')}, not "${opts.vocoder}"`);
    }
    const mood = opts.mood ? parseMood(opts.mood, model.manifest.condition.names) : undefined;
    if (
      !opts.styleFrom &&
      (opts.controls ||
        opts.styleStart ||
        opts.controlScale ||
        opts.controlGuidance === false ||
        opts.dynamicsRide === false)
    ) {
      throw new UsageError(
        '--controls, --style-start, --control-scale, --no-control-guidance and --no-dynamics-ride need --style-from <music>',
      );
    }
    let reference: Awaited<ReturnType<typeof readStyleReference>> | undefined;
    if (opts.styleFrom) {
      stages.stage(`reading the style reference ${opts.styleFrom}`);
      reference = await readStyleReference(model, opts.styleFrom, opts);
    }
    const progress = new WindowProgress(stages, Boolean(opts.quiet), true, opts.output);
    const t0 = Date.now();
    const result = await scoreVideo(video, opts.output, model, {
      seed,
      steps,
      guidance,
      scheduler,
      mood,
      vocoder,
      mode: opts.mix ? 'mix' : 'replace',
      wav: opts.wav,
      style: reference?.style,
      loop: Boolean(opts.loop),
      hitCuts: opts.hitCuts !== false,
      videoCodec,
      film,
      onProgress: progress.report,
    });
    stages.stage('done');
    stages.done();
    const seconds = (Date.now() - t0) / 1000;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({
          output: result.output,
          duration: Number(result.durationS.toFixed(3)),
          wav: opts.wav ?? null,
          seed,
          steps,
          guidance,
          scheduler,
          model: model.dir,
          style: reference
            ? {
                from: opts.styleFrom,
                controls: reference.controls,
                scale: reference.style.scale,
                guided: reference.style.guided,
                dynamicsRide: reference.style.ride,
              }
            : null,
          windows: result.windows,
          seconds: Number(seconds.toFixed(2)),
        })}\n`,
      );
    } else {
      process.stdout.write(
        `${result.output}: ${result.durationS.toFixed(2)} s scored in ${result.windows.length} window(s), ${seconds.toFixed(1)} s (seed ${seed}, ${steps} ${scheduler} steps, guidance ${guidance})\n`,
      );
    }
  } finally {
    await model.dispose();
  }
}
