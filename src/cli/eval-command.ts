import { evaluateFolders, evaluateOriginality, type EvaluationReport } from '../eval/evaluate.js';
import { writeOriginalityFigure } from '../eval/originality-figure.js';
import { UsageError } from '../util/errors.js';
import { ProgressBar } from './progress.js';

export interface EvalCommandOptions {
  generated: string;
  reference?: string;
  video?: string;
  controls?: string;
  audioModel?: string;
  json?: boolean;
  quiet?: boolean;
}

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : (100 * v).toFixed(1);
const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

/** The report as the paper's tables (rhythm as percentages, as HPM prints them). */
export function reportTable(r: EvaluationReport): string {
  const lines = [`${r.generated} generated clips`];
  const rhythm = (label: string, s: EvaluationReport['rhythm']): void => {
    if (!s) return;
    lines.push(
      `${label} (${s.clips} pairs, %)   BCS ${pct(s.BCS)}  CSD ${pct(s.CSD)}  BHS ${pct(s.BHS)}  HSD ${pct(s.HSD)}  F1 ${pct(s.F1)}`,
    );
  };
  rhythm('rhythm vs reference', r.rhythm);
  rhythm('rhythm vs video cuts', r.rhythmVideo);
  if (r.FAD || r.KL !== null || r.IS) {
    const parts = [
      r.FAD ? `FAD ${num(r.FAD.value)} (${r.FAD.generated} vs ${r.FAD.reference} embeddings)` : '',
      r.KL !== null ? `KL ${num(r.KL)}` : '',
      r.KLSigmoid !== null ? `KL sigmoid ${num(r.KLSigmoid)}` : '',
      r.IS ? `IS ${num(r.IS.mean)} ± ${num(r.IS.std)}` : '',
    ].filter(Boolean);
    lines.push(`quality   ${parts.join('  ')}`);
    lines.push(`          audio model ${r.audioModel.name}: ${r.audioModel.note}`);
  }
  if (r.melodyAcc !== null) {
    lines.push(
      `control fidelity   melody accuracy ${pct(r.melodyAcc)} %  dynamics r micro ${num(r.dynamicsCorrMicro)}  macro ${num(r.dynamicsCorrMacro)}`,
    );
  }
  for (const [folder, names] of Object.entries(r.unpaired)) {
    if (names.length) lines.push(`unpaired in ${folder}: ${names.join(', ')}`);
  }
  return lines.join('\n');
}

export async function runEval(opts: EvalCommandOptions): Promise<void> {
  const bar = new ProgressBar('evaluating', 'clips', Boolean(opts.quiet));
  const report = await evaluateFolders({ ...opts, onProgress: (d, t) => bar.update(d, t) });
  bar.done();
  if (opts.json) {
    const { rhythm, rhythmVideo, ...rest } = report;
    process.stdout.write(
      `${JSON.stringify({
        units: 'BCS, BHS, F1, CSD, HSD are fractions 0–1',
        ...(rhythm ?? {}),
        rhythm,
        rhythmVideo,
        ...rest,
        FAD: report.FAD?.value ?? null,
        fadEmbedding: report.FAD?.embedding ?? null,
        fadSamples: report.FAD
          ? { generated: report.FAD.generated, reference: report.FAD.reference }
          : null,
        IS: report.IS?.mean ?? null,
        ISStd: report.IS?.std ?? null,
      })}\n`,
    );
  } else {
    process.stdout.write(`${reportTable(report)}\n`);
  }
}

export interface OriginalityCommandOptions {
  system: string[];
  shots: string;
  audioModel?: string;
  figure?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `--system NAME=DIR` pairs as a record; a clear error for anything else. */
export function parseSystems(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) {
      throw new UsageError(`--system ${spec}: write NAME=DIR, e.g. --system ours=out/generated`);
    }
    const name = spec.slice(0, eq);
    if (name in out) throw new UsageError(`--system ${name} is given twice`);
    out[name] = spec.slice(eq + 1);
  }
  if (!Object.keys(out).length) throw new UsageError('give at least one --system NAME=DIR');
  return out;
}

export async function runOriginality(opts: OriginalityCommandOptions): Promise<void> {
  const bar = new ProgressBar('embedding', 'clips', Boolean(opts.quiet));
  const report = await evaluateOriginality({
    systems: parseSystems(opts.system),
    shots: opts.shots,
    audioModel: opts.audioModel,
    onProgress: (d, t) => bar.update(d, t),
  });
  bar.done();
  if (opts.figure) {
    await writeOriginalityFigure(
      opts.figure,
      report.systems,
      `originality vs recognizability (${report.audioModel.name})`,
    );
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ units: 'recognizability as a fraction 0–1', ...report })}\n`,
    );
    return;
  }
  const lines = [`audio model ${report.audioModel.name}: ${report.audioModel.note}`];
  for (const s of report.systems) {
    lines.push(
      `${s.system}: originality ${num(s.originality)}  recognizability ${pct(s.recognizability)} % (${s.classes.length} classes)`,
    );
    for (const c of s.classes) {
      lines.push(
        `  ${c.className}: originality ${num(c.originality)}  recognizability ${pct(c.recognizability)} % (${c.generations} clips)`,
      );
    }
    const missing = report.unmatched[s.system];
    if (missing?.length) lines.push(`  no shot for: ${missing.join(', ')}`);
  }
  if (opts.figure) lines.push(`figure: ${opts.figure}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
