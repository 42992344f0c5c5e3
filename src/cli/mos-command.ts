import { existsSync, rmSync } from 'node:fs';
import { findSamples, mosServer } from '../eval/mos/server.js';
import { ASPECTS, MosStore } from '../eval/mos/store.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { listen } from '../util/listen.js';
import { integer } from './arguments.js';

export async function runMosServe(
  dir: string,
  opts: { db: string; port: string; host: string },
): Promise<void> {
  const port = integer('--port', opts.port, 8080, 0, 65535);
  const samples = await findSamples(dir);
  const dbExisted = existsSync(opts.db);
  const store = new MosStore(opts.db);
  store.addSamples(samples);
  const server = mosServer(store);
  await listen(server, port, opts.host).catch((err: unknown) => {
    store.close();
    // Nothing was rated: a database made for this start is not left behind.
    if (!dbExisted)
      for (const f of [opts.db, `${opts.db}-wal`, `${opts.db}-shm`]) rmSync(f, { force: true });
    throw err;
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const systems = new Set(samples.map((s) => s.system)).size;
  process.stderr.write(
    `listening test: ${samples.length} clips from ${systems} systems at http://${opts.host}:${bound}/ (ratings in ${opts.db}; Ctrl-C to stop)\n`,
  );
  const stop = (): void => {
    server.close();
    store.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export async function runMosReport(opts: {
  db: string;
  csv?: string;
  json?: boolean;
}): Promise<void> {
  const store = new MosStore(opts.db);
  try {
    const results = store.results();
    if (opts.csv) await writeFileAtomically(opts.csv, Buffer.from(store.csv()));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return;
    }
    const lines = [
      `| system | ${ASPECTS.map((a) => `${a} (MOS ± 95 % CI)`).join(' | ')} | ratings |`,
    ];
    lines.push(`|---|${ASPECTS.map(() => '---|').join('')}---|`);
    for (const [system, r] of Object.entries(results)) {
      const cell = (a: (typeof ASPECTS)[number]): string =>
        `${r[a].mean.toFixed(2)} ± ${Number.isFinite(r[a].ci95) ? r[a].ci95.toFixed(2) : '—'}`;
      lines.push(`| ${system} | ${ASPECTS.map(cell).join(' | ')} | ${r.quality.n} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    store.close();
  }
}
