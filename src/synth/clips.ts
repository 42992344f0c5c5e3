import { execFileSync } from 'node:child_process';

/**
 * Short media files from ffmpeg's lavfi sources (test pictures, solid colours, sine tones):
 * known content for tests, the demo clip and the benchmarks.
 */
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
  /** x264 preset (speed against size). */
  preset?: string;
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
  if (spec.video) {
    args.push('-c:v', path.endsWith('.webm') ? 'libvpx' : 'libx264', '-pix_fmt', 'yuv420p');
    if (spec.preset && !path.endsWith('.webm')) args.push('-preset', spec.preset);
  }
  if (spec.toneHz !== undefined) {
    args.push('-ac', String(spec.channels ?? 1));
    if (path.endsWith('.mp4') || path.endsWith('.mov')) args.push('-c:a', 'aac');
  }
  args.push('-t', d, path);
  execFileSync('ffmpeg', args);
  return path;
}

/** Two films that ask for opposite music (issue 11's check that the picture moves the score). */
export const CONTRAST_FILMS = ['dark-still', 'bright-fast-cut'] as const;
export type ContrastFilm = (typeof CONTRAST_FILMS)[number];

/**
 * A contrast film of `durationS` at 160×120, 25 fps: 'dark-still' is one dark blue-grey
 * picture; 'bright-fast-cut' is ffmpeg's moving test pattern with its hue turned by a third
 * every 0.5 s, which the shot detector reads as a hard cut each time.
 */
export function makeContrastFilm(path: string, kind: ContrastFilm, durationS = 10): string {
  const source =
    kind === 'dark-still'
      ? `color=c=0x101018:s=160x120:r=25:d=${durationS}`
      : `testsrc2=s=160x120:r=25:d=${durationS},hue=H=2.0944*floor(2*t):b=1`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    source,
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return path;
}

/** A film's shots for `makeCutFilm`: a lavfi source and its seconds each. */
export type Shots = readonly (readonly [source: string, seconds: number])[];

/**
 * Two films of about a minute with six shots at irregular lengths (bench/long-form.ts's
 * "lavfi cuts A" and "B"; the long-form tests score B).
 */
export const CUT_FILM_SHOTS: Record<'A' | 'B', Shots> = {
  A: [
    ['testsrc2', 7.3],
    ['smptebars', 12.1],
    ['mandelbrot', 9.4],
    ['testsrc', 15.2],
    ['rgbtestsrc', 6.6],
    ['cellauto', 14.0],
  ],
  B: [
    ['life', 11.7],
    ['testsrc2', 4.9],
    ['mandelbrot', 18.3],
    ['smptehdbars', 8.8],
    ['testsrc', 13.1],
    ['yuvtestsrc', 10.2],
  ],
};

/**
 * A film of lavfi pictures in turn, each for its seconds, so hard cuts fall at the running
 * sums (known cut times for the long-form tests and benchmark). Every shot is brought to one
 * size, rate and pixel format so that concat takes them; x264, no audio.
 */
export function makeCutFilm(path: string, shots: Shots, size = '320x180'): string {
  const inputs = shots.flatMap(([src, d]) => [
    '-f',
    'lavfi',
    '-t',
    String(d),
    '-i',
    `${src}=size=${size}:rate=25`,
  ]);
  const norm = shots.map((_, i) => `[${i}:v]format=yuv420p,setsar=1[s${i}]`).join(';');
  const concat = shots.map((_, i) => `[s${i}]`).join('') + `concat=n=${shots.length}:v=1[v]`;
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', ...inputs],
    ...['-filter_complex', `${norm};${concat}`, '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-an', path],
  ]);
  return path;
}
