// Does the picture move the score? (issue 11: "a bright fast-cut clip gets a score with more
// onsets per second and more loudness than a dark still one, 3 seeds each".) The two 10 s
// contrast films (src/synth/clips.ts: a dark still picture, and a bright moving test pattern
// whose colours jump every 0.5 s) are scored with a model folder end to end (`scoreVideo`, the CLI's path),
// seeds 0–2, and the scores measured as the corpus's music was (onsets per second, mean
// dynamics level in dB, and the music descriptors pace and loudness).
// Usage: node dist/bench/film-conditioning.js [--model DIR] [--seeds N] [--json out.json]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSignal } from '../src/analysis/music-analysis.js';
import { musicAffect } from '../src/conditions/music-affect.js';
import { resample } from '../src/features/resample.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { parseWav } from '../src/media/wav.js';
import { scoreVideo } from '../src/score/score-video.js';
import { CONTRAST_FILMS, makeContrastFilm } from '../src/synth/clips.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const modelDir = opt('--model', DEFAULT_MODEL_DIR);
const seeds = Number(opt('--seeds', '3'));
const jsonOut = opt('--json', '');

const dir = mkdtempSync(join(tmpdir(), 'filmscore-filmcond-'));
try {
  const model = await loadModelFolder(modelDir);
  const m = model.manifest;
  const rows: Record<string, unknown>[] = [];
  for (const name of CONTRAST_FILMS) {
    const clip = makeContrastFilm(join(dir, `${name}.mp4`), name);
    const measured: { onsets: number; levelDb: number; pace: number; loudness: number }[] = [];
    let levels: Record<string, number> = {};
    for (let seed = 0; seed < seeds; seed++) {
      const wav = join(dir, `${name}-${seed}.wav`);
      const r = await scoreVideo(clip, join(dir, `${name}-${seed}.mp4`), model, {
        seed,
        steps: m.defaults.steps,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
        wav,
      });
      levels = r.windows[0].levels as Record<string, number>;
      const audio = parseWav(readFileSync(wav))!;
      const a = analyzeSignal(resample(audio.channels[0], audio.sampleRate, 22050));
      const affect = musicAffect(a);
      measured.push({
        onsets: a.onsets.length / a.durationS,
        levelDb: a.dynamics.reduce((s, v) => s + v, 0) / a.dynamics.length,
        pace: affect.pace,
        loudness: affect.loudness,
      });
    }
    const mean = (k: keyof (typeof measured)[number]): number =>
      measured.reduce((s, x) => s + x[k], 0) / measured.length;
    const row = {
      clip: name,
      filmPace: levels.pace,
      filmBrightness: levels.brightness,
      onsetsPerSecond: mean('onsets'),
      levelDb: mean('levelDb'),
      pace: mean('pace'),
      loudness: mean('loudness'),
      perSeed: measured,
    };
    rows.push(row);
    console.log(
      `${name.padEnd(6)} film pace ${levels.pace?.toFixed(2)} brightness ${levels.brightness?.toFixed(2)} → ` +
        `onsets ${row.onsetsPerSecond.toFixed(2)}/s, level ${row.levelDb.toFixed(1)} dB, ` +
        `music pace ${row.pace.toFixed(2)}, loudness ${row.loudness.toFixed(2)} (${seeds} seeds)`,
    );
  }
  console.log(`model ${modelDir}`);
  await model.dispose();
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ model: modelDir, rows }, null, 1));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
