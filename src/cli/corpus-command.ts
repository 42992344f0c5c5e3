import { buildDataset } from '../dataset/build.js';
import { prepareDebianCorpus } from '../dataset/corpus/debian.js';
import { datasetStats } from '../dataset/stats.js';
import { join } from 'node:path';
import { buildSummaryText } from './dataset-command.js';
import { ProgressBar, StageReporter } from './progress.js';

export interface CorpusCommandOptions {
  out: string;
  packages?: string[];
  build: boolean;
  clipSeconds: number;
  json?: boolean;
  quiet?: boolean;
}

export async function runCorpusDebian(opts: CorpusCommandOptions): Promise<number> {
  const quiet = Boolean(opts.quiet);
  const stages = new StageReporter(quiet);
  const { manifest, tracks } = await prepareDebianCorpus({
    out: opts.out,
    packages: opts.packages,
    onStage: (t) => stages.stage(t),
  });
  stages.done();
  const minutes = tracks.reduce((s, t) => s + (t.end - t.start), 0) / 60;
  const composers = new Set(tracks.flatMap((t) => t.composers));
  const lines = [
    `manifest ${manifest}: ${tracks.length} tracks, ${minutes.toFixed(1)} min, ${composers.size} composers`,
  ];
  if (!opts.build) {
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  const bar = new ProgressBar('building', 'clips', quiet);
  const out = join(opts.out, 'dataset');
  const summary = await buildDataset({
    manifest,
    out,
    clipS: opts.clipSeconds,
    onProgress: (e) => e.stage === 'building' && bar.update(e.done, e.total),
  });
  bar.done();
  const stats = datasetStats(out);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ manifest, tracks: tracks.length, minutes, summary, stats })}\n`,
    );
  } else {
    lines.push(buildSummaryText(summary));
    lines.push(
      `totals: ${stats.clips} clips, ${stats.hours.toFixed(2)} h, ${Object.keys(stats.composers).length} composers, ${stats.films} tracks`,
    );
    lines.push(`next: filmscore dataset stats ${out}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return stats.clips > 0 ? 0 : 1;
}
