// Whole films (issue 13): are the joins of a long score heard, do its onsets meet the cuts,
// and how fast and how big is scoring a long film?
//
// Five films over 60 s, made here (Debian has little long real footage): the three real
// clips of scripts/fetch-test-footage.sh joined end to end and repeated, three lavfi films with
// hard cuts at known, irregular times, and the dark/bright contrast films alternated. Each is
// scored end to end (`scoreVideo`, the CLI's path) twice: windows carrying on from the music
// so far (today) and independent windows only crossfaded (before). Measured at every join,
// as at random points inside the real tracks of scripts/fetch-outside-music.sh:
// - novelty percentile: Foote novelty's peak within ±1 s of the join, as a percentile of the
//   piece's own curve (src/eval/seams.ts; 50 = an ordinary point of the piece);
// - key continuity: correlation of the pitch-class histograms of the 10 s before and after.
// Onsets against the picture: LORIS's BCS / BHS / F1 against the film's cuts and motion peaks
// (`filmscore eval --video`'s measure), over `--seeds` seeds (one seed's F1 moves by several
// points: a film has 5 cuts), with a third arm: independent windows on a fixed grid that knows
// nothing of the cuts (how scores were made before issue 13, "today's windows" in its text).
// Speed: seconds of wall clock per minute of film (the carried arm).
// Memory: peak RSS of a child process scoring 1 min and 10 min of film.
// Usage: node dist/bench/long-form.js [--model DIR] [--steps N] [--seeds N] [--json out.json] [--no-memory | --memory-only]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudio } from '../src/media/audio-decode.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { scoreVideo } from '../src/score/score-video.js';
import { recordFilm } from '../src/film/film-analysis.js';
import { seamReadings, type SeamReading } from '../src/eval/seams.js';
import { probe } from '../src/media/probe.js';
import {
  clipBeatScore,
  rhythmScores,
  signalSlots,
  videoSlots,
  type ClipBeatScore,
  type RhythmScores,
} from '../src/eval/rhythm.js';
import { resample } from '../src/features/resample.js';
import { CUT_FILM_SHOTS, makeContrastFilm, makeCutFilm } from '../src/synth/clips.js';
import { GaussianNoise } from '../src/sampler/noise.js';
import { meanStd } from '../src/util/statistics.js';
import { option } from './args.js';

const SR = 16000;
const JOIN_TOLERANCE_S = 1;
const modelDir = option('--model', DEFAULT_MODEL_DIR);
const steps = option('--steps');
const jsonOut = option('--json', '');
const seedCount = Number(option('--seeds', '3'));

/** How a long score is made: carried on (today), independent windows planned at the cuts, or
 * independent windows on a grid blind to the cuts (before issue 13). */
const ARMS = {
  carried: { continuation: true, cutAware: true },
  independent: { continuation: false, cutAware: true },
  grid: { continuation: false, cutAware: false },
} as const;
type Arm = keyof typeof ARMS;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-an'];
const SIZE = '320:180';

/** Join pictures end to end at one size and rate (hard cuts between them). */
function joinFilms(out: string, parts: { path: string; seconds?: number }[]): string {
  const inputs = parts.flatMap((p) => [
    ...(p.seconds ? ['-t', String(p.seconds)] : []),
    '-i',
    p.path,
  ]);
  const scaled = parts
    .map(
      (_, i) =>
        `[${i}:v]scale=${SIZE}:force_original_aspect_ratio=decrease,pad=${SIZE}:(ow-iw)/2:(oh-ih)/2,fps=25,setsar=1,format=yuv420p[v${i}]`,
    )
    .join(';');
  const concat = parts.map((_, i) => `[v${i}]`).join('') + `concat=n=${parts.length}:v=1[v]`;
  ffmpeg([...inputs, '-filter_complex', `${scaled};${concat}`, '-map', '[v]', ...ENCODE, out]);
  return out;
}

function makeFilms(dir: string): Record<string, string> {
  const films: Record<string, string> = {};
  const footage = '.cache/test-footage';
  const real = ['cockatoo.mp4', 'diver.mov', 'movie-hello.mp4'].map((f) => join(footage, f));
  if (real.every(existsSync)) {
    films['real footage joined'] = joinFilms(join(dir, 'real.mp4'), [
      ...real.map((path) => ({ path })),
      ...real.map((path) => ({ path })),
      ...real.map((path) => ({ path })),
    ]);
  }
  films['lavfi cuts A'] = makeCutFilm(join(dir, 'cuts-a.mp4'), CUT_FILM_SHOTS.A);
  films['lavfi cuts B'] = makeCutFilm(join(dir, 'cuts-b.mp4'), CUT_FILM_SHOTS.B);
  films['mandelbrot, no cuts'] = makeCutFilm(join(dir, 'still.mp4'), [['mandelbrot', 66]]);
  const dark = makeContrastFilm(join(dir, 'dark.mp4'), 'dark-still');
  const bright = makeContrastFilm(join(dir, 'bright.mp4'), 'bright-fast-cut');
  films['dark / bright alternating'] = joinFilms(
    join(dir, 'contrast.mp4'),
    [dark, bright, dark, bright, dark, bright, dark].map((path) => ({ path })),
  );
  return films;
}

interface SeamSummary {
  joins: number;
  noveltyPercentile: number;
  pitchClassR: number;
  /** Standard errors of the two means (over the joins; a film's joins are not independent,
   * so read them as a floor). */
  noveltySe: number;
  pitchClassSe: number;
}

/** Standard error of a mean (sample SD / √n; NaN for fewer than two values). */
function standardError(v: number[]): number {
  return meanStd(v)[1] / Math.sqrt(v.length);
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
}

/** Both measures at points of one piece (points within 10 s of an end are left out). */
function seams(audio: Float32Array, points: number[]): SeamReading[] {
  const d = audio.length / SR;
  const inside = points.filter((t) => t >= 10 && t <= d - 10);
  return seamReadings(audio, inside, { toleranceS: JOIN_TOLERANCE_S });
}

function summarise(rows: SeamReading[]): SeamSummary {
  const novelty = rows.map((r) => r.noveltyPercentile);
  const key = rows.map((r) => r.pitchClassR);
  return {
    joins: rows.length,
    noveltyPercentile: mean(novelty),
    pitchClassR: mean(key),
    noveltySe: standardError(novelty),
    pitchClassSe: standardError(key),
  };
}

/** Random points (seeded) inside the real tracks: what an ordinary moment of music measures. */
async function realTrackSeams(points: number): Promise<SeamSummary | null> {
  const dir = '.cache/outside-music';
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => /\.(ogg|mp3)$/.test(f))
    .sort();
  const rng = new GaussianNoise(13);
  const rows: SeamReading[] = [];
  for (const f of files) {
    const audio = (await decodeAudio(join(dir, f), { sampleRate: SR, channels: 1 })).channels[0];
    const d = audio.length / SR;
    if (d < 40) continue;
    const at = Array.from(
      { length: Math.ceil(points / files.length) },
      () => 12 + rng.uniform() * (d - 24),
    );
    rows.push(...seams(audio, at));
  }
  return summarise(rows);
}

async function scoreOnce(
  model: Awaited<ReturnType<typeof loadModelFolder>>,
  video: string,
  dir: string,
  arm: Arm,
  seed = 0,
  read = true,
) {
  const m = model.manifest;
  const wav = join(dir, `score-${arm}.wav`);
  const scored = join(dir, `scored-${arm}.mp4`);
  const t0 = performance.now();
  const result = await scoreVideo(video, scored, model, {
    seed,
    steps: steps ? Number(steps) : m.defaults.steps,
    guidance: m.defaults.guidance,
    scheduler: m.defaults.scheduler,
    continuation: ARMS[arm].continuation,
    ...(ARMS[arm].cutAware ? {} : { cuts: [] }),
    wav,
  });
  const seconds = (performance.now() - t0) / 1000;
  // The memory child measures scoring alone, not reading the score back.
  const audio = read
    ? (await decodeAudio(wav, { sampleRate: SR, channels: 1 })).channels[0]
    : new Float32Array(0);
  // The joins: from the middle of the carried music (where the audio is crossfaded) to
  // where the new music begins; the window of ±1 s around their midpoint covers both.
  const joins = result.windows.slice(1).map((w) => w.newFromS - 0.5);
  // The output's own length against the picture's (issue 13: exact for every length).
  const out = await probe(scored);
  const lengthErrorS = Math.abs((out.audio?.durationS ?? 0) - (out.video?.durationS ?? 0));
  return {
    seconds,
    durationS: result.durationS,
    audio,
    joins,
    windows: result.windows.length,
    lengthErrorS,
  };
}

// --child VIDEO: score one film and print the peak RSS (the memory figure's own process).
const child = option('--child');
if (child) {
  const model = await loadModelFolder(modelDir);
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-long-child-'));
  try {
    const r = await scoreOnce(model, child, dir, 'carried', 0, false);
    console.log(
      JSON.stringify({
        seconds: r.seconds,
        durationS: r.durationS,
        lengthErrorS: r.lengthErrorS,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'filmscore-long-'));
try {
  const model = await loadModelFolder(modelDir);
  const memoryOnly = process.argv.includes('--memory-only');
  const films = memoryOnly ? {} : makeFilms(dir);
  const rows: Record<string, unknown>[] = [];
  const arms = Object.keys(ARMS) as Arm[];
  const all = Object.fromEntries(arms.map((k) => [k, [] as SeamReading[]])) as Record<
    Arm,
    SeamReading[]
  >;
  // Beat scores per arm and seed (a clip = one film scored with one seed).
  const beats = Object.fromEntries(
    arms.map((k) => [k, Array.from({ length: seedCount }, () => [] as ClipBeatScore[])]),
  ) as Record<Arm, ClipBeatScore[][]>;
  let filmSeconds = 0;
  let wallSeconds = 0;
  for (const [name, video] of Object.entries(films)) {
    const film = await recordFilm(video, { faces: null });
    const reference = videoSlots(film.cuts, film.motion, 10, film.durationS);
    const row: Record<string, unknown> = {
      film: name,
      durationS: film.durationS,
      cuts: film.cuts.length,
    };
    for (const arm of arms) {
      const perSeed = [];
      for (let seed = 0; seed < seedCount; seed++) {
        const r = await scoreOnce(model, video, dir, arm, seed);
        const s = seams(r.audio, r.joins);
        all[arm].push(...s);
        const beat = clipBeatScore(signalSlots(resample(r.audio, SR, 22050)), reference);
        beats[arm][seed].push(beat);
        if (arm === 'carried') {
          filmSeconds += r.durationS;
          wallSeconds += r.seconds;
        }
        perSeed.push({ ...summarise(s), windows: r.windows, seconds: r.seconds, ...beat });
      }
      row[arm] = perSeed;
    }
    rows.push(row);
    const c = (row.carried as (SeamSummary & { seconds: number; windows: number })[])[0];
    const i = (row.independent as SeamSummary[])[0];
    console.log(
      `${name.padEnd(26)} ${film.durationS.toFixed(1)} s, ${film.cuts.length} cuts, ${c.windows} windows, ${c.seconds.toFixed(1)} s: ` +
        `seed 0 novelty pct ${c.noveltyPercentile.toFixed(1)} (independent ${i.noveltyPercentile.toFixed(1)}), ` +
        `key r ${c.pitchClassR.toFixed(3)} (${i.pitchClassR.toFixed(3)})`,
    );
  }
  // Without films (--memory-only) there is nothing to summarise.
  const say = memoryOnly ? () => {} : (line: string) => console.log(line);
  const real = memoryOnly ? null : await realTrackSeams(60);
  const carried = summarise(all.carried);
  const independent = summarise(all.independent);
  say(
    `\nall joins: carried novelty pct ${carried.noveltyPercentile.toFixed(1)} ± ${carried.noveltySe.toFixed(1)}, key r ${carried.pitchClassR.toFixed(3)} ± ${carried.pitchClassSe.toFixed(3)} (${carried.joins} joins)`,
  );
  say(
    `           independent ${independent.noveltyPercentile.toFixed(1)}, key r ${independent.pitchClassR.toFixed(3)}`,
  );
  if (real)
    say(
      `real tracks, random points: novelty pct ${real.noveltyPercentile.toFixed(1)} ± ${real.noveltySe.toFixed(1)}, key r ${real.pitchClassR.toFixed(3)} ± ${real.pitchClassSe.toFixed(3)} (${real.joins} points)`,
    );
  // F1 per seed (over the films), then its mean and standard error over seeds; and the
  // carried arm's lead over each other arm, seed by seed (the same seeds and films).
  const rhythm = Object.fromEntries(
    arms.map((k) => [k, beats[k].map((clips) => rhythmScores(clips))]),
  ) as Record<Arm, RhythmScores[]>;
  const meanSe = (v: number[]) => ({ mean: mean(v), se: standardError(v) });
  const pct = (x: { mean: number; se: number }) =>
    `${(100 * x.mean).toFixed(1)} ± ${(100 * x.se).toFixed(1)}`;
  for (const k of arms) {
    const r = rhythm[k];
    say(
      `onsets vs picture (${k}, ${seedCount} seeds): BCS ${pct(meanSe(r.map((x) => x.BCS)))} BHS ${pct(meanSe(r.map((x) => x.BHS)))} F1 ${pct(meanSe(r.map((x) => x.F1)))}`,
    );
  }
  for (const k of ['independent', 'grid'] as const) {
    const lead = meanSe(rhythm.carried.map((r, s) => r.F1 - rhythm[k][s].F1));
    say(`  F1 carried − ${k}, seed by seed: ${pct(lead)} points`);
  }
  const perMinute = (wallSeconds / filmSeconds) * 60;
  say(
    `speed: ${perMinute.toFixed(1)} s per minute of film (${(filmSeconds / wallSeconds).toFixed(1)}× real time)`,
  );

  let memory: Record<string, unknown> | null = null;
  if (!process.argv.includes('--no-memory')) {
    memory = {};
    for (const minutes of [1, 10]) {
      const film = makeCutFilm(join(dir, `m${minutes}.mp4`), [['testsrc2', minutes * 60]]);
      const self = fileURLToPath(import.meta.url);
      const out = spawnSync(
        process.execPath,
        [self, '--child', film, '--model', modelDir, ...(steps ? ['--steps', steps] : [])],
        { encoding: 'utf8' },
      );
      if (out.status !== 0) throw new Error(out.stderr);
      const r = JSON.parse(out.stdout.trim().split('\n').pop()!);
      memory[`${minutes} min`] = r;
      console.log(
        `${minutes} min film: ${r.seconds.toFixed(1)} s (${((r.seconds / r.durationS) * 60).toFixed(1)} s per minute), peak RSS ${r.maxRssMiB.toFixed(0)} MiB, score − picture ${(1000 * r.lengthErrorS).toFixed(1)} ms`,
      );
    }
  }
  if (jsonOut) {
    writeFileSync(
      jsonOut,
      JSON.stringify(
        {
          model: modelDir,
          seeds: seedCount,
          films: rows,
          carried,
          independent,
          real,
          rhythm,
          perMinute,
          memory,
        },
        null,
        1,
      ),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
