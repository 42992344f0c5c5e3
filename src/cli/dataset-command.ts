import { InvalidArgumentError } from 'commander';
import { stat } from 'node:fs/promises';
import { UsageError } from '../util/errors.js';
import { buildDataset, type BuildSummary } from '../dataset/build.js';
import type { SplitName } from '../dataset/split.js';
import { ProgressBar, StageReporter } from './progress.js';

export interface DatasetBuildCommandOptions {
  out: string;
  clipSeconds: number;
  ratios?: Record<SplitName, number>;
  seed?: string;
  json?: boolean;
  quiet?: boolean;
  removeVocals?: string;
  separatorRate: number;
  separatorChannels: number;
  separatorSources: string[];
  separatorVocals: string;
  separatorChunkSeconds?: number;
}

/** "26730,2895,2895" or "0.8,0.1,0.1" → ratios (any positive scale). */
export function parseRatios(text: string): Record<SplitName, number> {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((v) => !(v >= 0)) || parts.every((v) => v === 0)) {
    throw new InvalidArgumentError(
      `--ratios must be three non-negative numbers "train,val,test", got "${text}"`,
    );
  }
  return { train: parts[0], val: parts[1], test: parts[2] };
}

export function buildSummaryText(s: BuildSummary): string {
  const lines = [
    `dataset ${s.out}: ${s.splits.train + s.splits.val + s.splits.test} clips of ${s.clipS} s (${s.hours.toFixed(2)} h), feature version ${s.featureVersion}`,
    `  splits     train ${s.splits.train} · val ${s.splits.val} · test ${s.splits.test} (grouped by film)`,
    `  this run   built ${s.clipsBuilt} · resumed ${s.clipsResumed} · rebuilt stale ${s.clipsStale} · removed ${s.clipsRemoved} · ${s.elapsedS.toFixed(1)} s` +
      (s.clipsBuilt > 0 ? ` (${((60 * s.clipsBuilt) / s.elapsedS).toFixed(0)} clips/min)` : ''),
    `  dropped    ${s.droppedShort.length} segment(s) shorter than one clip`,
    `  vocal removal: ${s.vocalRemoval}`,
  ];
  if (s.problems.length) {
    lines.push(`  skipped ${s.problems.length} row(s):`);
    for (const p of s.problems)
      lines.push(`    line ${p.line}${p.field ? ` (${p.field})` : ''}: ${p.message}`);
  }
  return lines.join('\n');
}

export async function runDatasetBuild(
  manifest: string,
  opts: DatasetBuildCommandOptions,
): Promise<number> {
  const existing = await stat(opts.out).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(
      `-o/--out ${opts.out} is a file, not a folder; give the dataset folder (it is created if missing).`,
    );
  }
  const quiet = Boolean(opts.quiet);
  const stages = new StageReporter(quiet);
  const bar = new ProgressBar('building', 'clips', quiet);
  const summary = await buildDataset({
    manifest,
    out: opts.out,
    clipS: opts.clipSeconds,
    ratios: opts.ratios,
    seed: opts.seed,
    separator: opts.removeVocals
      ? {
          model: opts.removeVocals,
          sampleRate: opts.separatorRate,
          channels: opts.separatorChannels,
          sources: opts.separatorSources,
          vocals: opts.separatorVocals,
          chunkS: opts.separatorChunkSeconds,
        }
      : undefined,
    onProgress: (e) => {
      if (e.stage === 'planning') stages.stage(`checking manifest row ${e.done + 1}/${e.total}`);
      if (e.stage === 'building') bar.update(e.done, e.total);
    },
  });
  bar.done();
  stages.done();
  const total = summary.splits.train + summary.splits.val + summary.splits.test;
  process.stdout.write(
    opts.json ? `${JSON.stringify(summary)}\n` : `${buildSummaryText(summary)}\n`,
  );
  if (total === 0) {
    process.stderr.write('filmscore: no clip could be built; see the skipped rows above.\n');
    return 2;
  }
  return 0;
}
