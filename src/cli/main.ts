#!/usr/bin/env node
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { MediaError } from '../media/errors.js';
import { runAnalyze } from './analyze-command.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command()
  .name('filmscore')
  .description(
    'Scores films: composes an original score that fits a video clip (HPM), and analyses music the way the model sees it.',
  )
  .version(pkg.version);

program
  .command('analyze')
  .description(
    'Analyse the sound of an audio or video file: AudioLDM log-mel, melody control (pitch class per 10 ms frame), ' +
      "dynamics control (dB), onsets, tempo and beats. Prints a summary and writes a PNG like the paper's Figure 4.",
  )
  .argument('<file>', 'audio or video file (anything ffmpeg reads)')
  .option('--json', 'print one JSON object to stdout instead of the summary')
  .option(
    '--png <path>',
    'where to write the figure (default: <file name>.analysis.png in the current folder)',
  )
  .option('--no-png', 'do not draw the figure')
  .option('-q, --quiet', 'no progress on stderr')
  .action(
    async (file: string, opts: { json?: boolean; png?: string | boolean; quiet?: boolean }) => {
      await runAnalyze(file, {
        json: opts.json,
        png: opts.png === true ? undefined : opts.png,
        quiet: opts.quiet,
      });
    },
  );

program.parseAsync().catch((err: unknown) => {
  if (err instanceof MediaError) {
    process.stderr.write(`\nfilmscore: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `\nfilmscore: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
