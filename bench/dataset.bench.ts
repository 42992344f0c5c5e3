// Benchmark: `filmscore dataset build` throughput (clips per minute) and peak memory on the
// Debian soundtrack corpus, for growing slices of its manifest, to show that memory does not
// grow with corpus size. Each build runs in a fresh process into an empty folder.
// Usage: node dist/bench/dataset.bench.js [corpus dir, default .cache/debian-corpus]
//        (`filmscore corpus debian --no-build` fetches the packages and writes the manifest)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildSummary } from '../src/dataset/build.js';

const corpus = resolve(process.argv[2] ?? '.cache/debian-corpus');
const manifest = join(corpus, 'manifest.jsonl');
if (!existsSync(manifest)) {
  console.error(`no ${manifest}: run \`filmscore corpus debian --no-build\` first`);
  process.exit(1);
}
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
// Media paths are relative to the corpus folder; make them absolute for the slices.
const rows = readFileSync(manifest, 'utf8')
  .trim()
  .split('\n')
  .map((l) => {
    const o = JSON.parse(l) as { media: string };
    return JSON.stringify({ ...o, media: resolve(corpus, o.media) });
  });
// A fixed shuffle, so every slice mixes all four soundtracks.
const shuffled = rows
  .map((l, i) => ({ l, key: (i * 7919) % rows.length }))
  .sort((a, b) => a.key - b.key);
const slices = [Math.ceil(rows.length / 8), Math.ceil(rows.length / 4), rows.length];

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; corpus: ${corpus}`);
console.log('| manifest rows | audio | clips built | build time | clips/min | peak RSS |');
console.log('|---|---|---|---|---|---|');
for (const n of slices) {
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-dsbench-'));
  try {
    const m = join(dir, 'manifest.jsonl');
    writeFileSync(
      m,
      shuffled
        .slice(0, n)
        .map((r) => r.l)
        .join('\n'),
    );
    const run = spawnSync(
      process.execPath,
      [cli, 'dataset', 'build', m, '-o', join(dir, 'out'), '--json', '-q'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    if (run.status !== 0) throw new Error(`build failed: ${run.stderr}`);
    const s = JSON.parse(run.stdout) as BuildSummary;
    console.log(
      `| ${n} | ${s.hours.toFixed(2)} h | ${s.clipsBuilt} | ${s.elapsedS.toFixed(1)} s | ${((60 * s.clipsBuilt) / s.elapsedS).toFixed(0)} | ${s.peakRssMiB.toFixed(0)} MiB |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
