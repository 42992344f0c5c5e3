import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'filmscore-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { makeClip, type ClipSpec } from '../../src/synth/clips.js';

/** ffprobe a stream's field (e.g. 'a:0', 'duration'). */
export function probeField(path: string, stream: string, field: string): string {
  return execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    stream,
    '-show_entries',
    `stream=${field}`,
    '-of',
    'csv=p=0',
    path,
  ])
    .toString()
    .trim();
}

/** MD5 of a stream's packets, to show a stream was copied rather than re-encoded. */
export function streamMd5(path: string, stream: string): string {
  return execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    path,
    '-map',
    `0:${stream}`,
    '-c',
    'copy',
    '-f',
    'md5',
    '-',
  ])
    .toString()
    .trim();
}

/** A copy of `path` with a quarter-turn in its display matrix, as a phone writes a portrait
 * clip: the same stored picture, shown (and decoded by ffmpeg) with its sides swapped. */
export function quarterTurned(path: string, out: string): string {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    path,
    '-c',
    'copy',
    '-metadata:s:v:0',
    'rotate=90',
    out,
  ]);
  return out;
}
