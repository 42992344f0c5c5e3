import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UsageError } from './errors.js';

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Before opening `path` as one of our SQLite files: refuse a folder, a file that is not SQLite
 * (opening would replace it) and another program's database (tables other than `ownTables`).
 * A missing or empty file is fine: it becomes a new database. `role` names it in messages
 * (an option such as --db, or "the dataset index").
 */
export function checkSqliteFile(path: string, role: string, ownTables: readonly string[]): void {
  let size: number;
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new UsageError(`${role} ${path} is a folder; give a file name.`);
    size = info.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return;
  }
  if (size === 0) return;
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) {
    throw new UsageError(
      `${role} ${path} exists and is not a SQLite database (damaged, or another kind of file); it is left as it is. Move it away, or give another name.`,
    );
  }
  let tables: string[];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((t) => t.name);
  } catch (err) {
    throw new UsageError(
      `${role} ${path} is a damaged SQLite database (${(err as Error).message}); it is left as it is. Move it away, or give another name.`,
    );
  } finally {
    db.close();
  }
  const foreign = tables.filter((t) => !ownTables.includes(t) && !t.startsWith('sqlite_'));
  if (foreign.length) {
    throw new UsageError(
      `${role} ${path} is another program's database (tables ${foreign.join(', ')}); it is left as it is. Give another name.`,
    );
  }
}
