import { renderControlComparison } from '../analysis/figure.js';
import { parseMood } from '../generator/condition.js';
import { loadModelFolder, DEFAULT_MODEL_DIR } from '../generator/model-folder.js';
import { probe } from '../media/probe.js';
import { writeWav } from '../media/wav.js';
import { transfer } from '../score/transfer.js';
import { recordFilm } from '../film/film-analysis.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { UsageError } from '../util/errors.js';
import { checkOutputPaths } from '../util/output-paths.js';
import { StageReporter, WindowProgress } from './progress.js';
import { guidanceScale, integer, toNumber } from './arguments.js';
import { readStyleReference, type StyleCommandOptions } from './style-options.js';

export interface TransferCommandOptions extends StyleCommandOptions {
  output: string;
  model?: string;
  film?: string;
  mood?: string;
  duration?: string;
  seed?: string;
  loop?: boolean;
  steps?: string;
  guidance?: string;
  png?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `filmscore transfer`: a new piece that follows a reference's melody and/or dynamics, in the
 * mood of a film or of --mood levels, with how closely it follows (melody accuracy, dynamics r).
 */
export async function runTransfer(music: string, opts: TransferCommandOptions): Promise<void> {
  if (!/\.wav$/i.test(opts.output)) {
    throw new UsageError(
      `-o ${opts.output}: transfer writes a WAV file; give a name ending in .wav`,
    );
  }
  await checkOutputPaths(
    [
      { path: music, role: 'the reference piece' },
      ...(opts.film ? [{ path: opts.film, role: 'the --film video' }] : []),
    ],
    [
      { path: opts.output, role: '-o/--output' },
      ...(opts.png ? [{ path: opts.png, role: '--png' }] : []),
    ],
  );
  let requestedS: number | undefined;
  if (opts.duration !== undefined) {
    requestedS = toNumber(opts.duration);
    if (!(requestedS > 0 && requestedS <= 3600)) {
      throw new UsageError(`--duration must be seconds from 0 to 3600, not "${opts.duration}"`);
    }
  }
  const stages = new StageReporter(Boolean(opts.quiet));
  stages.stage(`loading the model (${opts.model ?? DEFAULT_MODEL_DIR})`);
  const model = await loadModelFolder(opts.model ?? DEFAULT_MODEL_DIR);
  try {
    const m = model.manifest;
    const d = m.defaults;
    const steps = integer('--steps', opts.steps, d.steps, 1, m.schedule.steps);
    const seed = integer('--seed', opts.seed, 0, 0, 2 ** 32 - 1);
    const guidance = guidanceScale(opts.guidance, d.guidance);
    const mood = opts.mood ? parseMood(opts.mood, m.condition.names) : undefined;
    stages.stage(`reading the style reference ${music}`);
    const reference = await readStyleReference(model, music, opts);
    const durationS = requestedS ?? reference.durationS;
    const filmInfo = opts.film ? await probe(opts.film) : undefined;
    if (opts.film && !filmInfo?.video) {
      throw new UsageError(`--film ${opts.film} has no video stream: give a video file`);
    }
    const progress = new WindowProgress(
      stages,
      Boolean(opts.quiet),
      Boolean(opts.film),
      opts.output,
    );
    if (opts.film) progress.report({ stage: 'reading-film' });
    const film = opts.film ? await recordFilm(opts.film, {}, { info: filmInfo }) : undefined;
    const t0 = Date.now();
    const { audio, windows, fidelity, comparison } = await transfer(model, {
      seed,
      steps,
      guidance,
      scheduler: d.scheduler,
      style: reference.style,
      durationS,
      mood,
      film,
      loop: Boolean(opts.loop),
      onProgress: progress.report,
    });
    progress.writing();
    await writeWav(opts.output, [audio], m.sampleRate);
    if (opts.png) {
      await writeFileAtomically(
        opts.png,
        renderControlComparison(
          {
            melody: comparison.reference.melody ?? [],
            dynamics: comparison.reference.dynamics ?? [],
          },
          comparison.piece,
          comparison.frameRate,
          `${music} → ${opts.output}`,
        ),
      );
    }
    stages.stage('done');
    stages.done();
    const seconds = (Date.now() - t0) / 1000;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({
          output: opts.output,
          reference: music,
          duration: Number(durationS.toFixed(3)),
          controls: reference.controls,
          controlScale: reference.style.scale,
          controlGuidance: reference.style.guided,
          dynamicsRide: reference.style.ride,
          film: opts.film ?? null,
          seed,
          steps,
          guidance,
          model: model.dir,
          fidelity,
          windows,
          seconds: Number(seconds.toFixed(2)),
        })}\n`,
      );
    } else {
      const f = [
        fidelity.melodyAccuracy !== null
          ? `melody ${(100 * fidelity.melodyAccuracy).toFixed(1)} %`
          : null,
        fidelity.dynamicsR !== null ? `dynamics r ${fidelity.dynamicsR.toFixed(3)}` : null,
      ]
        .filter(Boolean)
        .join(', ');
      process.stdout.write(
        `${opts.output}: ${durationS.toFixed(2)} s in ${windows.length} window(s) following ${music} (${f}), ${seconds.toFixed(1)} s\n`,
      );
    }
  } finally {
    await model.dispose();
  }
}
