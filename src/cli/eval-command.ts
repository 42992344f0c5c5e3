import { evaluateFolders, type EvaluationReport } from '../eval/evaluate.js';
import { ProgressBar } from './progress.js';

export interface EvalCommandOptions {
  generated: string;
  reference?: string;
  video?: string;
  controls?: string;
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
  if (r.FAD) {
    lines.push(
      `FAD ${num(r.FAD.value)} (embedding ${r.FAD.embedding}; ${r.FAD.generated} vs ${r.FAD.reference} clips; not comparable with VGGish FADs)`,
    );
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
      })}\n`,
    );
  } else {
    process.stdout.write(`${reportTable(report)}\n`);
  }
}
