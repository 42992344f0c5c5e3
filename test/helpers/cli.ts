import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built `filmscore` command. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Run `filmscore …args` in `cwd`, as a user would. */
export function runFilmscore(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
}

/** Run a `--json` command, check it succeeded, and parse what it printed. */
// The tests read the parsed JSON field by field in their assertions, so it stays untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function filmscoreJson<T = Record<string, any>>(cwd: string, ...args: string[]): T {
  const r = runFilmscore(cwd, ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}
