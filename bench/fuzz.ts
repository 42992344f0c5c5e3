// The reliability suite's parsers fuzzed for longer (issue 14): the properties of
// test/reliability/fuzz-properties.ts with fresh seeds and many runs. A failure prints the seed
// and the shrunk input to replay.
// Usage: node dist/bench/fuzz.js [--runs N] [--seed S]
import fc from 'fast-check';
import { PROPERTIES } from '../test/reliability/fuzz-properties.js';
import { option } from './args.js';

const runs = Number(option('--runs', '20000'));
const seed = Number(option('--seed', String(Date.now() % 2 ** 31)));
let failed = 0;
for (const [name, property] of Object.entries(PROPERTIES)) {
  const t0 = performance.now();
  const report = fc.check(property as unknown as fc.IProperty<[unknown]>, { seed, numRuns: runs });
  const s = (performance.now() - t0) / 1000;
  if (report.failed) {
    failed++;
    process.stdout.write(
      `${name}: FAILED (seed ${seed}, path ${report.counterexamplePath})\n${fc.defaultReportMessage(report)}\n`,
    );
  } else {
    process.stdout.write(
      `${name}: ${report.numRuns} runs passed in ${s.toFixed(1)} s (seed ${seed})\n`,
    );
  }
}
process.exitCode = failed ? 1 : 0;
