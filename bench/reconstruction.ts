// What a model's audio representation keeps (issue 11's table), on music it never saw:
// held-out test clips of the corpus and crops of real music outside it
// (scripts/fetch-outside-music.sh). For each path — the model's front end → vocoder, → hybrid
// (the network's phase, the mel's magnitudes), → Griffin-Lim, and each through the VAE first — the mean melody accuracy, dynamics r, mel L1 (64-band
// AudioLDM), MR-STFT distance and spectral flatness ratio against the original.
// Usage: node dist/bench/reconstruction.js [--model DIR] [--dataset DIR] [--clips N]
//        [--split test|val] [--outside DIR] [--crops N] [--no-outside] [--no-griffin-lim]
//        [--json out.json]
// (--split val --no-outside: for choosing between checkpoints without touching the test sets.)
import { writeFileSync } from 'node:fs';
import { corpusClips, outsideCrops } from './held-out-music.js';
import { reconstructionReport, type ReconstructionReport } from '../src/eval/reconstruction.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../src/generator/model-folder.js';
import { reconstructAudio, type ReconstructOptions } from '../src/generator/reconstruct.js';
import { option } from './args.js';

const args = process.argv.slice(2);
const modelDir = option('--model', DEFAULT_MODEL_DIR);
const dataset = option('--dataset', '.cache/debian-corpus/dataset');
const clips = Number(option('--clips', '24'));
const split = option('--split', 'test');
const withOutside = !args.includes('--no-outside');
const outside = option('--outside', '.cache/outside-music');
const crops = Number(option('--crops', '12'));
const withGl = !args.includes('--no-griffin-lim');
const jsonOut = option('--json', '');

const model = await loadModelFolder(modelDir);
const paths: [string, ReconstructOptions][] = [
  ['front end → vocoder', { path: 'vocoder', vocoder: 'neural' }],
  ['front end → VAE → vocoder', { path: 'vae', vocoder: 'neural' }],
  ['front end → hybrid', { path: 'vocoder', vocoder: 'hybrid' }],
  ['front end → VAE → hybrid', { path: 'vae', vocoder: 'hybrid' }],
];
if (withGl) {
  paths.push(['front end → Griffin-Lim', { path: 'vocoder', vocoder: 'griffin-lim' }]);
  paths.push(['front end → VAE → Griffin-Lim', { path: 'vae', vocoder: 'griffin-lim' }]);
}
type Row = {
  set: string;
  path: string;
  n: number;
  melodyAccuracy: number;
  dynamicsR: number;
  melL1: number;
  mrStft: number;
  flatnessRatio: number;
  flatnessOriginal: number;
  flatnessOutput: number;
  /** Wall time of the path per clip (front end, networks, vocoder), this machine. */
  secondsPerClip: number;
};
const rows: Row[] = [];
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const t0 = Date.now();
const sets: [string, { name: string; audio: Float32Array }[]][] = [
  [`corpus ${split} clips`, corpusClips(dataset, split, clips)],
];
if (withOutside) sets.push(['outside music', await outsideCrops(outside, crops)]);
for (const [set, items] of sets) {
  for (const [label, o] of paths) {
    const reports: ReconstructionReport[] = [];
    let seconds = 0;
    for (const it of items) {
      const started = performance.now();
      const out = await reconstructAudio(model, it.audio, o);
      seconds += (performance.now() - started) / 1000;
      reports.push(reconstructionReport(it.audio, out.audio));
    }
    const row: Row = {
      set,
      path: label,
      n: reports.length,
      melodyAccuracy: mean(reports.map((r) => r.melodyAccuracy)),
      dynamicsR: mean(reports.map((r) => r.dynamicsR)),
      melL1: mean(reports.map((r) => r.melL1)),
      mrStft: mean(reports.map((r) => r.mrStft)),
      flatnessRatio:
        mean(reports.map((r) => r.flatness.output)) / mean(reports.map((r) => r.flatness.original)),
      flatnessOriginal: mean(reports.map((r) => r.flatness.original)),
      flatnessOutput: mean(reports.map((r) => r.flatness.output)),
      secondsPerClip: seconds / reports.length,
    };
    rows.push(row);
    console.log(
      `${set.padEnd(18)} ${label.padEnd(30)} n ${String(row.n).padStart(3)}  melody ${(100 * row.melodyAccuracy).toFixed(1)} %  dyn r ${row.dynamicsR.toFixed(3)}  mel L1 ${row.melL1.toFixed(3)}  MR-STFT ${row.mrStft.toFixed(3)}  flatness ${row.flatnessOutput.toFixed(4)} (×${row.flatnessRatio.toFixed(2)} of ${row.flatnessOriginal.toFixed(4)})  ${row.secondsPerClip.toFixed(2)} s/clip`,
    );
  }
}
console.log(
  `model ${model.dir} (${model.manifest.mel.nMels} bands), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
await model.dispose();
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ model: modelDir, rows }, null, 1));
