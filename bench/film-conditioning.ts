// Does the picture move the score? (issue 11: "a bright fast-cut clip gets a score with more
// onsets per second and more loudness than a dark still one, 3 seeds each".) The two 10 s
// contrast films (src/synth/clips.ts: a dark still picture, and a bright moving test pattern
// whose colours jump every 0.5 s) are scored with a model folder end to end (`scoreVideo`, the CLI's path),
// seeds 0–2, and the scores measured as the corpus's music was (onsets per second, mean
// dynamics level in dB, and the music descriptors pace and loudness).
// Usage: node dist/bench/film-conditioning.js [--model DIR] [--seeds N] [--json out.json]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meanReading, readFilmScores } from '../src/eval/music-reading.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { CONTRAST_FILMS, makeContrastFilm } from '../src/synth/clips.js';
import { option } from './args.js';

const modelDir = option('--model', DEFAULT_MODEL_DIR);
const seeds = Number(option('--seeds', '3'));
const jsonOut = option('--json', '');

const dir = mkdtempSync(join(tmpdir(), 'filmscore-filmcond-'));
try {
  const model = await loadModelFolder(modelDir);
  const rows: Record<string, unknown>[] = [];
  for (const name of CONTRAST_FILMS) {
    const clip = makeContrastFilm(join(dir, `${name}.mp4`), name);
    const { levels, readings } = await readFilmScores(
      model,
      clip,
      Array.from({ length: seeds }, (_, s) => s),
    );
    const mean = meanReading(readings);
    rows.push({
      clip: name,
      filmPace: levels.pace,
      filmBrightness: levels.brightness,
      ...mean,
      perSeed: readings,
    });
    console.log(
      `${name.padEnd(6)} film pace ${levels.pace?.toFixed(2)} brightness ${levels.brightness?.toFixed(2)} → ` +
        `onsets ${mean.onsetsPerSecond.toFixed(2)}/s, level ${mean.levelDb.toFixed(1)} dB, ` +
        `music pace ${mean.pace.toFixed(2)}, loudness ${mean.loudness.toFixed(2)} (${seeds} seeds)`,
    );
  }
  console.log(`model ${modelDir}`);
  await model.dispose();
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ model: modelDir, rows }, null, 1));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
