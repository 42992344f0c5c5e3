// Benchmark: the offline film analysis (frames at 10 fps and 1 fps, statistics, cuts,
// aesthetics, affect) on a 10 s 720p clip and a 10-minute video, against the floor of the
// same run: ffmpeg alone decoding and scaling the same frames to the same sizes.
// Usage: node dist/bench/film.bench.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFilm } from '../src/film/film-analysis.js';
import { makeClip } from '../src/synth/clips.js';

const dir = mkdtempSync(join(tmpdir(), 'filmscore-filmbench-'));
const make = (name: string, size: string, seconds: number): string =>
  makeClip(join(dir, name), { durationS: seconds, video: 'testsrc2', size, preset: 'ultrafast' });
const ffmpegFloor = (path: string): number => {
  const t0 = performance.now();
  for (const [fps, w, h] of [
    [10, 112, 63],
    [1, 256, 144],
  ]) {
    execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        path,
        '-vf',
        `fps=${fps},scale=${w}:${h}:flags=area`,
        '-pix_fmt',
        'rgb24',
        '-f',
        'rawvideo',
        '-',
      ],
      { maxBuffer: 1 << 30 },
    );
  }
  return (performance.now() - t0) / 1000;
};

try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  console.log('| input | ffmpeg decode + scale only | analyzeFilm | ratio | peak RSS growth |');
  console.log('|---|---|---|---|---|');
  // The first call also loads the shipped face models (once per process); the second is warm.
  for (const [name, size, seconds] of [
    ['10 s, 1280×720, first call', '1280x720', 10],
    ['10 s, 1280×720, warm', '1280x720', 10],
    ['10 min, 640×360', '640x360', 600],
  ] as const) {
    const path = make(`${seconds}.mp4`, size, seconds);
    const floor = ffmpegFloor(path);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const f = await analyzeFilm(path);
    const t = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(
      `| ${name} (${f.cuts.length} cuts) | ${floor.toFixed(2)} s | ${t.toFixed(2)} s | ${(t / floor).toFixed(2)} | ${((peak - rss0) / 2 ** 20).toFixed(0)} MiB |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
