import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkSqliteFile } from '../util/sqlite-file.js';

/**
 * The web app's jobs (issue 15), kept in SQLite under the data folder with their files beside:
 * `<data>/jobs.sqlite` and `<data>/jobs/<id>/` (the upload, the scored video, the score's WAV).
 * Ids are generated here (random hex), never taken from a request, so no request names a path.
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a user may ask of a job (validated by serve/job-options.ts). */
export interface JobOptions {
  seed?: number;
  steps?: number;
  guidance?: number;
  mood?: Record<string, number>;
  /** The output container's extension: mp4 (default), mkv, mov, webm, m4v or avi. */
  container?: string;
  loop?: boolean;
  /** false: the music runs on through shot cuts (the CLI's --no-hit-cuts). */
  hitCuts?: boolean;
  /** S-Control: how the uploaded reference piece (`style` file) is followed. */
  style?: { name: string; controls?: ('melody' | 'dynamics')[]; scale?: number; startS?: number };
}

export interface Job {
  id: string;
  status: JobStatus;
  /** 0–1. */
  progress: number;
  error?: string;
  /** The upload's own name (shown, never used as a path). */
  name: string;
  options: JobOptions;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Seconds of picture, once read. */
  durationS?: number;
}

interface Row {
  id: string;
  seq: number;
  status: JobStatus;
  progress: number;
  error: string | null;
  name: string;
  options: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
}

const fromRow = (r: Row): Job => ({
  id: r.id,
  status: r.status,
  progress: r.progress,
  ...(r.error ? { error: r.error } : {}),
  name: r.name,
  options: JSON.parse(r.options) as JobOptions,
  createdAt: r.created_at,
  ...(r.started_at ? { startedAt: r.started_at } : {}),
  ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
  ...(r.duration_s !== null ? { durationS: r.duration_s } : {}),
});

/** Ids are 16 hex digits: anything else in a URL is not a job. */
export const JOB_ID = /^[0-9a-f]{16}$/;

export class JobStore {
  private readonly db: Database.Database;
  readonly jobsDir: string;

  /**
   * Open (or create) the store in `dataDir`. A job left 'running' by a process that stopped is
   * queued again: its upload is on disk, and scoring is deterministic in its seed.
   */
  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.jobsDir = join(dataDir, 'jobs');
    mkdirSync(this.jobsDir, { recursive: true });
    const path = join(dataDir, 'jobs.sqlite');
    checkSqliteFile(path, 'the job store', ['jobs']);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        error TEXT,
        name TEXT NOT NULL,
        options TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        duration_s REAL);
    `);
    this.db
      .prepare(
        "UPDATE jobs SET status = 'queued', progress = 0, started_at = NULL WHERE status = 'running'",
      )
      .run();
  }

  /** The folder of a job's files (the id is checked: it never comes from a path). */
  folder(id: string): string {
    if (!JOB_ID.test(id)) throw new RangeError(`not a job id: ${id}`);
    return join(this.jobsDir, id);
  }

  /** A new job's id and folder; `add` registers it once its upload is on disk. */
  reserve(): { id: string; folder: string } {
    const id = randomBytes(8).toString('hex');
    const folder = this.folder(id);
    mkdirSync(folder);
    return { id, folder };
  }

  add(id: string, name: string, options: JobOptions): Job {
    this.db
      .prepare(
        "INSERT INTO jobs (id, status, name, options, created_at) VALUES (?, 'queued', ?, ?, ?)",
      )
      .run(id, name, JSON.stringify(options), new Date().toISOString());
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    if (!JOB_ID.test(id)) return undefined;
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every job, newest first. */
  list(): Job[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY seq DESC').all() as Row[]).map(fromRow);
  }

  /** The oldest queued job: jobs run in the order they came. */
  nextQueued(): Job | undefined {
    const row = this.db
      .prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1")
      .get() as Row | undefined;
    return row && fromRow(row);
  }

  start(id: string): void {
    this.db
      .prepare("UPDATE jobs SET status = 'running', progress = 0, started_at = ? WHERE id = ?")
      .run(new Date().toISOString(), id);
  }

  setProgress(id: string, progress: number, durationS?: number): void {
    this.db
      .prepare('UPDATE jobs SET progress = ?, duration_s = COALESCE(?, duration_s) WHERE id = ?')
      .run(Math.max(0, Math.min(1, progress)), durationS ?? null, id);
  }

  finish(id: string, status: 'done' | 'failed' | 'cancelled', error?: string): void {
    this.db
      .prepare(
        "UPDATE jobs SET status = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, error = ?, finished_at = ? WHERE id = ?",
      )
      .run(status, status, error ?? null, new Date().toISOString(), id);
  }

  /** Back to the queue (a job interrupted by a shutdown). */
  requeue(id: string): void {
    this.db
      .prepare(
        "UPDATE jobs SET status = 'queued', progress = 0, error = NULL, started_at = NULL, finished_at = NULL WHERE id = ?",
      )
      .run(id);
  }

  /** Forget a job and delete its files. */
  remove(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
    rmSync(this.folder(id), { recursive: true, force: true });
  }

  /** Bytes the jobs' files take, per job and in all. */
  diskUse(): { total: number; jobs: Record<string, number> } {
    const jobs: Record<string, number> = {};
    let total = 0;
    for (const id of readdirSync(this.jobsDir)) {
      if (!JOB_ID.test(id)) continue;
      let bytes = 0;
      for (const f of readdirSync(join(this.jobsDir, id))) {
        bytes += statSync(join(this.jobsDir, id, f)).size;
      }
      jobs[id] = bytes;
      total += bytes;
    }
    return { total, jobs };
  }

  close(): void {
    this.db.close();
  }
}
