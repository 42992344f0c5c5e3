import Database from 'better-sqlite3';
import { checkSqliteFile } from '../util/sqlite-file.js';
import type { AffectDescriptors } from '../conditions/affect.js';
import type { Emotion } from './manifest.js';
import type { SplitName } from './split.js';

/** One built clip as the index records it. */
export interface ClipRecord {
  id: string;
  split: SplitName;
  film: string;
  soundtrack: string;
  composers: string[];
  genres: string[];
  emotion: Emotion | null;
  media: string;
  manifestLine: number;
  startS: number;
  durationS: number;
  hasVideo: boolean;
  featureVersion: string;
  /** sha256 of the clip's files, in `files` order. */
  checksum: string;
  /** File names inside the clip's folder. */
  files: string[];
  affect: AffectDescriptors;
}

interface Row {
  id: string;
  split: string;
  film: string;
  soundtrack: string;
  composers: string;
  genres: string;
  emotion: string | null;
  media: string;
  manifest_line: number;
  start_s: number;
  duration_s: number;
  has_video: number;
  feature_version: string;
  checksum: string;
  files: string;
  affect: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clips (
  id TEXT PRIMARY KEY,
  split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
  film TEXT NOT NULL,
  soundtrack TEXT NOT NULL,
  composers TEXT NOT NULL,      -- JSON list
  genres TEXT NOT NULL,         -- JSON list
  emotion TEXT,
  media TEXT NOT NULL,
  manifest_line INTEGER NOT NULL,
  start_s REAL NOT NULL,
  duration_s REAL NOT NULL,
  has_video INTEGER NOT NULL,
  feature_version TEXT NOT NULL,
  checksum TEXT NOT NULL,
  files TEXT NOT NULL,          -- JSON list of file names in clips/<id>/
  affect TEXT NOT NULL,         -- JSON object of the music-side affect descriptors
  built_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clips_split ON clips(split);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The dataset's index: one SQLite file (`index.sqlite`) beside the clip folders. A clip's row
 * is written only after all its files are in place, so a row always means a complete clip.
 */
export class CacheIndex {
  private readonly db: Database.Database;

  constructor(path: string) {
    checkSqliteFile(path, 'the dataset index', ['clips', 'meta']);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  get(id: string): ClipRecord | undefined {
    const row = this.db.prepare('SELECT * FROM clips WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  put(c: ClipRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO clips (id, split, film, soundtrack, composers, genres, emotion, media,
           manifest_line, start_s, duration_s, has_video, feature_version, checksum, files, affect, built_at)
         VALUES (@id, @split, @film, @soundtrack, @composers, @genres, @emotion, @media, @manifest_line,
           @start_s, @duration_s, @has_video, @feature_version, @checksum, @files, @affect, @built_at)`,
      )
      .run({ ...toRow(c), built_at: new Date().toISOString() });
  }

  /** Update what the manifest says of a clip (split, names, genres) without touching its files. */
  updateMetadata(
    c: Pick<
      ClipRecord,
      'id' | 'split' | 'film' | 'soundtrack' | 'composers' | 'genres' | 'emotion' | 'manifestLine'
    >,
  ): void {
    this.db
      .prepare(
        `UPDATE clips SET split = ?, film = ?, soundtrack = ?, composers = ?, genres = ?, emotion = ?,
           manifest_line = ? WHERE id = ?`,
      )
      .run(
        c.split,
        c.film,
        c.soundtrack,
        JSON.stringify(c.composers),
        JSON.stringify(c.genres),
        c.emotion,
        c.manifestLine,
        c.id,
      );
  }

  all(): ClipRecord[] {
    return (
      this.db.prepare('SELECT * FROM clips ORDER BY split, film, start_s').all() as Row[]
    ).map(fromRow);
  }

  /** Remove rows whose ids are not in `keep` (clips no longer in the manifest). */
  retain(keep: ReadonlySet<string>): string[] {
    const gone = (this.db.prepare('SELECT id FROM clips').all() as { id: string }[])
      .map((r) => r.id)
      .filter((id) => !keep.has(id));
    const del = this.db.prepare('DELETE FROM clips WHERE id = ?');
    this.db.transaction(() => gone.forEach((id) => del.run(id)))();
    return gone;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  getMeta(key: string): string | undefined {
    return (
      this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
        { value: string } | undefined
    )?.value;
  }

  close(): void {
    this.db.close();
  }
}

function toRow(c: ClipRecord): Row {
  return {
    id: c.id,
    split: c.split,
    film: c.film,
    soundtrack: c.soundtrack,
    composers: JSON.stringify(c.composers),
    genres: JSON.stringify(c.genres),
    emotion: c.emotion,
    media: c.media,
    manifest_line: c.manifestLine,
    start_s: c.startS,
    duration_s: c.durationS,
    has_video: c.hasVideo ? 1 : 0,
    feature_version: c.featureVersion,
    checksum: c.checksum,
    files: JSON.stringify(c.files),
    affect: JSON.stringify(c.affect),
  };
}

function fromRow(r: Row): ClipRecord {
  return {
    id: r.id,
    split: r.split as SplitName,
    film: r.film,
    soundtrack: r.soundtrack,
    composers: JSON.parse(r.composers) as string[],
    genres: JSON.parse(r.genres) as string[],
    emotion: (r.emotion as Emotion | null) ?? null,
    media: r.media,
    manifestLine: r.manifest_line,
    startS: r.start_s,
    durationS: r.duration_s,
    hasVideo: r.has_video === 1,
    featureVersion: r.feature_version,
    checksum: r.checksum,
    files: JSON.parse(r.files) as string[],
    affect: JSON.parse(r.affect) as AffectDescriptors,
  };
}
