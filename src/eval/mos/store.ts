import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { checkSqliteFile } from '../../util/sqlite-file.js';
import { meanOpinionScore, type MeanOpinionScore } from './stats.js';

export const ASPECTS = ['quality', 'clarity', 'latency'] as const;
export type Aspect = (typeof ASPECTS)[number];

export interface Sample {
  /** Opaque random token: the page never learns the system. */
  id: string;
  system: string;
  file: string;
}

export interface Rating {
  session: string;
  sample: string;
  quality: number;
  clarity: number;
  latency: number;
}

/**
 * The listening test's SQLite store: the samples (each with an opaque id) and every rating
 * given, so a test can stop and go on, and results can be recomputed or exported.
 */
export class MosStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    checkSqliteFile(path, '--db', ['samples', 'ratings', 'served']);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS samples (
        id TEXT PRIMARY KEY, system TEXT NOT NULL, file TEXT NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session TEXT NOT NULL, sample TEXT NOT NULL REFERENCES samples(id),
        quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
        clarity INTEGER NOT NULL CHECK (clarity BETWEEN 1 AND 5),
        latency INTEGER NOT NULL CHECK (latency BETWEEN 1 AND 5),
        at TEXT NOT NULL, UNIQUE (session, sample));
      CREATE TABLE IF NOT EXISTS served (
        session TEXT NOT NULL, sample TEXT NOT NULL REFERENCES samples(id),
        PRIMARY KEY (session, sample));
    `);
  }

  /** Register samples (idempotent per file). */
  addSamples(samples: readonly { system: string; file: string }[]): void {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO samples (id, system, file) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const s of samples) insert.run(randomBytes(8).toString('hex'), s.system, s.file);
    })();
  }

  /** Every registered sample (id, system, file). */
  samples(): Sample[] {
    return this.db.prepare('SELECT id, system, file FROM samples ORDER BY file').all() as Sample[];
  }

  sample(id: string): Sample | undefined {
    return this.db.prepare('SELECT id, system, file FROM samples WHERE id = ?').get(id) as
      Sample | undefined;
  }

  /**
   * The next sample for a session: one it has not rated, among those with the fewest
   * ratings overall, chosen at random (blind, randomised presentation).
   */
  next(session: string): { sample: Sample | null; remaining: number } {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.system, s.file, (SELECT COUNT(*) FROM ratings r WHERE r.sample = s.id) AS n
         FROM samples s
         WHERE s.id NOT IN (SELECT sample FROM ratings WHERE session = ?)`,
      )
      .all(session) as (Sample & { n: number })[];
    if (!rows.length) return { sample: null, remaining: 0 };
    const fewest = Math.min(...rows.map((r) => r.n));
    const pool = rows.filter((r) => r.n === fewest);
    const pick = pool[randomBytes(4).readUInt32LE(0) % pool.length];
    // The blind protocol: a session may rate only what it was served.
    this.db
      .prepare('INSERT OR IGNORE INTO served (session, sample) VALUES (?, ?)')
      .run(session, pick.id);
    return {
      sample: { id: pick.id, system: pick.system, file: pick.file },
      remaining: rows.length,
    };
  }

  rate(r: Rating): void {
    for (const a of ASPECTS) {
      if (!Number.isInteger(r[a]) || r[a] < 1 || r[a] > 5) {
        throw new RangeError(`${a} must be a whole number from 1 to 5, not ${String(r[a])}`);
      }
    }
    if (!this.sample(r.sample)) throw new RangeError(`unknown sample ${r.sample}`);
    const served = this.db
      .prepare('SELECT 1 FROM served WHERE session = ? AND sample = ?')
      .get(r.session, r.sample);
    if (!served) {
      throw new RangeError(
        `sample ${r.sample} was not served to this session: rate the clips the page plays`,
      );
    }
    this.db
      .prepare(
        `INSERT INTO ratings (session, sample, quality, clarity, latency, at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session, sample) DO UPDATE SET quality = excluded.quality,
           clarity = excluded.clarity, latency = excluded.latency, at = excluded.at`,
      )
      .run(r.session, r.sample, r.quality, r.clarity, r.latency, new Date().toISOString());
  }

  /** MOS with 95 % confidence intervals per system and aspect. */
  results(): Record<string, Record<Aspect, MeanOpinionScore>> {
    const rows = this.db
      .prepare(
        'SELECT s.system, r.quality, r.clarity, r.latency FROM ratings r JOIN samples s ON s.id = r.sample',
      )
      .all() as ({ system: string } & Record<Aspect, number>)[];
    const systems = [...new Set(rows.map((r) => r.system))].sort();
    return Object.fromEntries(
      systems.map((sys) => {
        const mine = rows.filter((r) => r.system === sys);
        return [
          sys,
          Object.fromEntries(ASPECTS.map((a) => [a, meanOpinionScore(mine.map((r) => r[a]))])),
        ];
      }),
    ) as Record<string, Record<Aspect, MeanOpinionScore>>;
  }

  /** Every rating as CSV (with the system each sample came from). */
  csv(): string {
    const rows = this.db
      .prepare(
        `SELECT r.session, s.system, s.file, r.quality, r.clarity, r.latency, r.at
         FROM ratings r JOIN samples s ON s.id = r.sample ORDER BY r.id`,
      )
      .all() as Record<string, string | number>[];
    const quote = (v: string | number): string =>
      typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`;
    const head = 'session,system,file,quality,clarity,latency,at';
    return (
      [
        head,
        ...rows.map((r) =>
          head
            .split(',')
            .map((k) => quote(r[k]))
            .join(','),
        ),
      ].join('\n') + '\n'
    );
  }

  close(): void {
    this.db.close();
  }
}
