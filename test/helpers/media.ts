import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'filmscore-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ClipSpec {
  durationS: number;
  /** lavfi video source, e.g. 'testsrc2' or 'color=c=red'; omitted = no video. */
  video?: string;
  size?: string;
  fps?: number;
  /** Sine frequency for the audio; omitted = no audio. */
  toneHz?: number;
  sampleRate?: number;
  channels?: number;
}

/** Make a short media file with ffmpeg's lavfi sources (the container follows `path`). */
export function makeClip(path: string, spec: ClipSpec): string {
  const args = ['-v', 'error', '-y'];
  const d = String(spec.durationS);
  if (spec.video) {
    const size = spec.size ?? '160x120';
    const fps = spec.fps ?? 25;
    const src = spec.video.includes('=')
      ? `${spec.video}:s=${size}:r=${fps}:d=${d}`
      : `${spec.video}=s=${size}:r=${fps}:d=${d}`;
    args.push('-f', 'lavfi', '-i', src);
  }
  if (spec.toneHz !== undefined) {
    const sr = spec.sampleRate ?? 44100;
    args.push('-f', 'lavfi', '-i', `sine=f=${spec.toneHz}:r=${sr}:d=${d}`);
  }
  if (spec.video)
    args.push('-c:v', path.endsWith('.webm') ? 'libvpx' : 'libx264', '-pix_fmt', 'yuv420p');
  if (spec.toneHz !== undefined) {
    args.push('-ac', String(spec.channels ?? 1));
    if (path.endsWith('.mp4') || path.endsWith('.mov')) args.push('-c:a', 'aac');
  }
  args.push('-t', d, path);
  execFileSync('ffmpeg', args);
  return path;
}

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
