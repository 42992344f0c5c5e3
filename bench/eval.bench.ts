// Benchmark (evaluation issue, item 8): `filmscore eval` on 100 generated clips of 10 s against
// 100 references, with controls (every metric: rhythm, FAD/KL/IS on the bundled style model,
// melody and dynamics), on this machine. Beside it, in the same run, the floor: ffmpeg
// decoding the same files once each, as the eval does, and nothing else.
// Usage: node dist/bench/eval.bench.js [--dataset DIR] [--clips 100]
//   with a dataset: its test clips' audio as "generated", its val clips' as references;
//   without: synthesised notes and clicks.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeNpy } from '../src/dataset/npy.js';
import { evaluateFolders } from '../src/eval/evaluate.js';
import { decodeAudio } from '../src/media/audio-decode.js';
import { writeWav } from '../src/media/wav.js';
import { GaussianNoise } from '../src/sampler/noise.js';
import { clicks, note } from '../src/synth/signals.js';
import { option } from './args.js';

const clips = Number(option('--clips') ?? 100);
const dataset = option('--dataset');
const SR = 16000;
const dir = mkdtempSync(join(tmpdir(), 'filmscore-evalbench-'));
for (const d of ['gen', 'ref', 'ctl']) mkdirSync(join(dir, d));

function synthetic(k: number, seed: number): Float32Array {
  const g = new GaussianNoise(seed + k);
  const x = note(48 + (k % 24), 10, SR, 0.2);
  const c = clicks(
    Array.from({ length: 12 }, () => g.uniform() * 9.8),
    10,
    SR,
  );
  for (let i = 0; i < x.length; i++) x[i] += c[i] * 0.5;
  return x;
}

let source = 'synthesised notes and clicks';
if (dataset) {
  const db = new Database(join(dataset, 'index.sqlite'), { readonly: true });
  const ids = (split: string): string[] =>
    (db.prepare('SELECT id FROM clips WHERE split = ? ORDER BY id').all(split) as { id: string }[])
      .map((r) => r.id)
      .slice(0, clips);
  const audio = (id: string): Float32Array =>
    Float32Array.from(
      decodeNpy(new Uint8Array(readFileSync(join(dataset, 'clips', id, 'audio.npy')))).values,
      (v) => v / 32768,
    );
  const [gen, ref] = [ids('test'), ids('val')];
  if (gen.length < clips || ref.length < clips)
    throw new Error(`${dataset}: fewer than ${clips} test or val clips`);
  for (let k = 0; k < clips; k++) {
    await writeWav(join(dir, 'gen', `${k}.wav`), [audio(gen[k])], SR);
    const r = audio(ref[k]);
    await writeWav(join(dir, 'ref', `${k}.wav`), [r], SR);
    await writeWav(join(dir, 'ctl', `${k}.wav`), [r], SR);
  }
  source = `${dataset} (test clips vs val clips)`;
} else {
  for (let k = 0; k < clips; k++) {
    await writeWav(join(dir, 'gen', `${k}.wav`), [synthetic(k, 1)], SR);
    const r = synthetic(k, 1000);
    await writeWav(join(dir, 'ref', `${k}.wav`), [r], SR);
    await writeWav(join(dir, 'ctl', `${k}.wav`), [r], SR);
  }
}

// The floor: every file decoded once (at 22,050 Hz, as the eval does), nothing computed.
let t0 = performance.now();
for (const d of ['gen', 'ref', 'ctl'])
  for (let k = 0; k < clips; k++)
    await decodeAudio(join(dir, d, `${k}.wav`), { sampleRate: 22050, channels: 1 });
const floorS = (performance.now() - t0) / 1000;

const rss0 = process.memoryUsage().rss;
t0 = performance.now();
const report = await evaluateFolders({
  generated: join(dir, 'gen'),
  reference: join(dir, 'ref'),
  controls: join(dir, 'ctl'),
});
const evalS = (performance.now() - t0) / 1000;
const peakMiB = process.resourceUsage().maxRSS / 1024;
rmSync(dir, { recursive: true, force: true });

console.log(
  `eval benchmark: ${clips} clips of 10 s, ${source}; ${cpus().length} cores (${cpus()[0].model})`,
);
console.log(
  `filmscore eval (rhythm, FAD/KL/IS on ${report.audioModel.name}, melody, dynamics): ${evalS.toFixed(1)} s ` +
    `(${((1000 * evalS) / clips).toFixed(0)} ms per clip)`,
);
console.log(
  `floor (ffmpeg decoding each file once): ${floorS.toFixed(1)} s; eval / floor ${(evalS / floorS).toFixed(2)}×`,
);
console.log(
  `peak RSS ${peakMiB.toFixed(0)} MiB (${(rss0 / 2 ** 20).toFixed(0)} MiB before the eval)`,
);
console.log(
  `figures: BCS ${report.rhythm?.BCS.toFixed(3)} BHS ${report.rhythm?.BHS.toFixed(3)} FAD ${report.FAD?.value.toFixed(2)} ` +
    `KL ${report.KL?.toFixed(3)} IS ${report.IS?.mean.toFixed(2)} melody ${report.melodyAcc?.toFixed(3)}`,
);
