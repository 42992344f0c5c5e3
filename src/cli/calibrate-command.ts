import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_RESPONSE_SPAN, responseSpan, type ResponseCurve } from '../conditions/response.js';
import {
  CALIBRATED_DESCRIPTORS,
  measureResponses,
  type MeasuredResponse,
  type CalibratedDescriptor,
} from '../generator/calibrate.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../generator/model-folder.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { UsageError } from '../util/errors.js';
import { ProgressBar, StageReporter } from './progress.js';
import { integer } from './arguments.js';

export interface CalibrateCommandOptions {
  model?: string;
  points?: string;
  seeds?: string;
  descriptors?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `filmscore calibrate`: measure how a model folder follows pace and loudness and keep the
 * measured responses in its manifest, so that a requested level is what comes out
 * (conditions/response.ts). Writes manifest.json atomically; --dry-run only measures.
 */
export async function runCalibrate(opts: CalibrateCommandOptions): Promise<void> {
  const points = integer('--points', opts.points, 7, 2);
  const seeds = integer('--seeds', opts.seeds, 3, 1);
  const asked = opts.descriptors
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) as CalibratedDescriptor[] | undefined;
  for (const d of asked ?? []) {
    if (!CALIBRATED_DESCRIPTORS.includes(d)) {
      throw new UsageError(
        `--descriptors: "${d}" cannot be measured back from music; use ${CALIBRATED_DESCRIPTORS.join(', ')}`,
      );
    }
  }
  const dir = opts.model ?? DEFAULT_MODEL_DIR;
  const stages = new StageReporter(Boolean(opts.quiet));
  stages.stage(`loading the model (${dir})`);
  const model = await loadModelFolder(dir);
  let curves: Awaited<ReturnType<typeof measureResponses>>;
  try {
    const has = (d: CalibratedDescriptor): boolean => model.manifest.condition.names.includes(d);
    const missing = (asked ?? []).filter((d) => !has(d));
    if (missing.length) {
      throw new UsageError(`${dir} is not conditioned on ${missing.join(', ')}`);
    }
    // By default, every descriptor that can be read back and that this model is conditioned on.
    const descriptors = asked ?? CALIBRATED_DESCRIPTORS.filter(has);
    stages.stage(
      `generating ${descriptors.length} × ${points} levels × ${seeds} seeds at the model's defaults`,
    );
    const bar = new ProgressBar('calibrating', 'generations', Boolean(opts.quiet));
    curves = await measureResponses(model, descriptors, {
      points,
      seeds,
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    await model.dispose();
  }
  const manifestPath = join(model.dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    condition: { response?: Record<string, ResponseCurve> };
  };
  const kept: Record<string, ResponseCurve> = { ...(manifest.condition.response ?? {}) };
  const report: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(curves)) {
    const span = responseSpan(c);
    const used = span >= MIN_RESPONSE_SPAN;
    if (used) kept[name] = { inputs: c.inputs, outputs: c.outputs };
    else delete kept[name];
    report[name] = { ...c, span, used };
  }
  if (!opts.dryRun) {
    manifest.condition.response = kept;
    await writeFileAtomically(
      manifestPath,
      new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`),
    );
  }
  stages.stage('done');
  stages.done();
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ model: model.dir, written: !opts.dryRun, points, seeds, responses: report })}\n`,
    );
    return;
  }
  for (const [name, r] of Object.entries(report) as [
    string,
    MeasuredResponse & { span: number; used: boolean },
  ][]) {
    const rows = r.tried.map((x, i) => {
      const seedsRead = r.measured[i].map((v) => v.toFixed(2)).join(' ');
      const at = r.inputs.indexOf(x);
      return at >= 0
        ? `    asked ${x.toFixed(3)} → measured ${r.outputs[at].toFixed(3)} (seeds ${seedsRead})`
        : `    asked ${x.toFixed(3)} → left out: beyond the value that made the most extreme music (seeds ${seedsRead})`;
    });
    process.stdout.write(
      `${name}: the output moves ${r.span.toFixed(2)} across the levels; ${r.used ? 'inverted from now on' : `not used (below ${MIN_RESPONSE_SPAN}: the model does not follow it)`}\n${rows.join('\n')}\n`,
    );
  }
  process.stdout.write(
    opts.dryRun ? 'dry run: manifest.json left as it was\n' : `wrote ${manifestPath}\n`,
  );
}
