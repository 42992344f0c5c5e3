import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/cli.js';

/**
 * The reliability suite's tools (issue 14): media made with ffmpeg's lavfi sources, the state
 * of a folder before and after a command, and one assertion for a refusal.
 */

/** Run the CLI as a user would; stdin closed, a time limit so that a hang is a failure. */
export function filmscore(
  cwd: string,
  args: readonly string[],
  timeoutMs = 120_000,
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Make a clip with ffmpeg: `lavfi` picture/sound sources and output arguments. */
export function ffmpeg(args: readonly string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: 'pipe' });
}

/** A test picture (and a tone under it) of `seconds`, 160×120 at 25 fps. */
export function lavfiClip(
  seconds: number,
  opts: { audioS?: number; rate?: number; size?: string } = {},
): string[] {
  const size = opts.size ?? '160x120';
  const args = ['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${opts.rate ?? 25}:d=${seconds}`];
  if (opts.audioS !== 0)
    args.push('-f', 'lavfi', '-i', `sine=f=440:sample_rate=48000:d=${opts.audioS ?? seconds}`);
  return args;
}

/** ffprobe's view of one stream field ('v:0', 'codec_name'), or of the format ('format'). */
export function probeValue(path: string, stream: string, field: string): string {
  const args =
    stream === 'format'
      ? ['-show_entries', `format=${field}`]
      : ['-select_streams', stream, '-show_entries', `stream=${field}`];
  return execFileSync('ffprobe', ['-v', 'error', ...args, '-of', 'csv=p=0', `file:${path}`], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')[0]
    .replace(/,$/, '');
}

/**
 * Seconds a stream really lasts: the picture from its decoded frames' times (packets of some
 * AVIs carry no presentation times), the sound from its packets (the last one's end minus the
 * first one's start): never what a header says.
 */
export function decodedSpan(path: string, stream: 'a' | 'v'): { start: number; end: number } {
  const entries =
    stream === 'v'
      ? 'frame=best_effort_timestamp_time,pkt_duration_time'
      : 'packet=pts_time,duration_time';
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      `${stream}:0`,
      '-show_entries',
      entries,
      '-of',
      'csv=p=0',
      `file:${path}`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const rows = out
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number))
    .filter(([t]) => Number.isFinite(t))
    .sort((a, b) => a[0] - b[0]);
  // A frame lasts until the next; the last one at least as long as the usual gap (an AVI with a
  // 1/50 time base says 0.02 s for frames 0.04 s apart).
  const gaps = rows
    .slice(1)
    .map(([t], i) => t - rows[i][0])
    .sort((a, b) => a - b);
  const gap = gaps.length ? gaps[gaps.length >> 1] : 0;
  const first = rows.length ? rows[0][0] : NaN;
  let end = -Infinity;
  for (const [t, dur] of rows) {
    end = Math.max(end, t + Math.max(Number.isFinite(dur) ? dur : 0, stream === 'v' ? gap : 0));
  }
  return { start: first, end };
}

export function decodedSeconds(path: string, stream: 'a' | 'v'): number {
  const { start, end } = decodedSpan(path, stream);
  return end - start;
}

export function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/** Every name in a folder (recursively) with its size and content hash: what a command left. */
export function folderState(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, prefix: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, `${prefix}${name}/`);
      else
        out.set(
          `${prefix}${name}`,
          st.isFile() ? md5(p) : st.isSymbolicLink() ? 'link' : 'special',
        );
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

/** What changed between two folder states (added, removed, changed names). */
export function folderChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [name, hash] of after) {
    if (!before.has(name)) changes.push(`+${name}`);
    else if (before.get(name) !== hash) changes.push(`~${name}`);
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`-${name}`);
  return changes;
}

/**
 * A refusal as promised: exit 2, no stack trace, a "filmscore:" line that names `culprit`
 * (the option, the file or the folder to blame), and (when given) the folder exactly as it was.
 */
export function assertRefused(
  r: SpawnSyncReturns<string>,
  culprit: string | RegExp,
  folder?: { dir: string; before: Map<string, string> },
): void {
  const context = `exit ${r.status} (signal ${r.signal})\nstderr: ${r.stderr}`;
  assert.equal(r.status, 2, context);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was shown\n${context}`);
  assert.doesNotMatch(r.stderr, /internal error/, context);
  if (typeof culprit === 'string')
    assert.ok(r.stderr.includes(culprit), `"${culprit}" not named\n${context}`);
  else assert.match(r.stderr, culprit, context);
  if (folder) {
    assert.deepEqual(
      folderChanges(folder.before, folderState(folder.dir)),
      [],
      `files changed\n${context}`,
    );
  }
}
