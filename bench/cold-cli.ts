// Speed as a user feels it (issue 16): `filmscore score` spawned cold, as a user runs it, on
// 720p clips of 10 s, 11.3 s and 60 s (median of N runs, wall clock), with the phases read from
// when each progress line reaches the parent: start-up (process start → first line), model
// load, film read (→ the first window's bar), generation (→ "writing"), mux (→ exit). Beside it
// the warm library path: `scoreVideo` in a process that has the model loaded and has scored
// once before (median of the runs after that first one).
// Usage: node dist/bench/cold-cli.js [--runs 5] [--model DIR] [--lengths 10,11.3,60] [--json out.json]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { scoreVideo } from '../src/score/score-video.js';
import { defaultVocoderName } from '../src/decoder/vocoders.js';
import type { SchedulerName } from '../src/sampler/index.js';
import { makeClip } from '../src/synth/clips.js';
import { option } from './args.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const runs = Number(option('--runs', '5'));
const modelDir = option('--model', DEFAULT_MODEL_DIR);
const lengths = option('--lengths', '10,11.3,60').split(',').map(Number);

interface ColdRun {
  wallS: number;
  startupS: number;
  modelS: number;
  filmS: number;
  generateS: number;
  muxS: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function coldRun(clip: string, out: string): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const at: Record<string, number> = {};
    const child = spawn(process.execPath, [CLI, 'score', clip, '-o', out, '--model', modelDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let buf = '';
    child.stderr.on('data', (b: Buffer) => {
      const now = (performance.now() - t0) / 1000;
      buf += b.toString();
      for (const [key, re] of [
        ['loading', /loading the model/],
        ['film', /\] reading the film/],
        ['window', /window 1\//],
        ['writing', /writing /],
      ] as const) {
        if (at[key] === undefined && re.test(buf)) at[key] = now;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`exit ${code}: ${buf}`));
      resolve({
        wallS,
        startupS: at.loading,
        modelS: at.film - at.loading,
        filmS: at.window - at.film,
        generateS: at.writing - at.window,
        muxS: wallS - at.writing,
      });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'filmscore-cold-'));
const report: Record<string, unknown> = { runs, model: modelDir };
try {
  const model = await loadModelFolder(modelDir);
  const m = model.manifest;
  const lines: string[] = [];
  for (const seconds of lengths) {
    const clip = makeClip(join(dir, `clip${seconds}.mp4`), {
      durationS: seconds,
      video: 'testsrc2',
      size: '1280x720',
      toneHz: 440,
      preset: 'veryfast',
    });
    const cold: ColdRun[] = [];
    for (let k = 0; k < runs; k++) cold.push(await coldRun(clip, join(dir, `out${seconds}.mp4`)));
    // Warm: a process that has scored before (a server's), so the first call, which loads
    // the face models and compiles the film analysis, is not counted.
    const warm: number[] = [];
    for (let k = 0; k <= runs; k++) {
      const t0 = performance.now();
      await scoreVideo(clip, join(dir, `warm${seconds}.mp4`), model, {
        seed: 0,
        steps: m.defaults.steps,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler as SchedulerName,
        vocoder: defaultVocoderName(m),
      });
      if (k > 0) warm.push((performance.now() - t0) / 1000);
    }
    const med = (k: keyof ColdRun): number => median(cold.map((r) => r[k]));
    const row = {
      seconds,
      coldS: med('wallS'),
      coldRangeS: [Math.min(...cold.map((r) => r.wallS)), Math.max(...cold.map((r) => r.wallS))],
      warmS: median(warm),
      phases: {
        startup: med('startupS'),
        model: med('modelS'),
        film: med('filmS'),
        generate: med('generateS'),
        mux: med('muxS'),
      },
      realTime: seconds / med('wallS'),
    };
    report[`${seconds}s`] = row;
    const f = (x: number): string => x.toFixed(2);
    lines.push(
      `${seconds} s 720p: cold ${f(row.coldS)} s (${f(row.coldRangeS[0])}–${f(row.coldRangeS[1])}; ${row.realTime.toFixed(1)}× real time), warm ${f(row.warmS)} s | start-up ${f(row.phases.startup)} · model ${f(row.phases.model)} · film ${f(row.phases.film)} · generate ${f(row.phases.generate)} · mux ${f(row.phases.mux)}`,
    );
    process.stdout.write(`${lines.at(-1)}\n`);
  }
  await model.dispose();
  const json = option('--json');
  if (json) writeFileSync(json, JSON.stringify(report, null, 1));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
