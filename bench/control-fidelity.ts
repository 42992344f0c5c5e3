// S-Control's fidelity (issue 12, HPM Table 4): held-out clips of the corpus and crops of music
// outside it each serve as their own reference. For each: the reference's melody and dynamics
// (as the branch was trained) → a generation with both controls, conditioned on the reference's
// own affect descriptors → melody accuracy and dynamics r (micro: per piece then averaged;
// macro: all frames pooled) against the reference, beside
//  - the same seed without controls (what the base model shares with the reference by chance),
//  - the ceiling the decoders allow: the reference itself through the VAE and vocoder,
//  - style Fréchet distance (the evaluation's style embedding) to the references, with and
//    without controls (controls must not cost quality).
// The generation with controls is read twice: as the networks left it ("network") and after the
// dynamics ride `generate` applies by default (decoder/dynamics-ride.ts), the shipped output.
// Usage: node dist/bench/control-fidelity.js [--model DIR] [--dataset DIR] [--clips 100]
//        [--outside DIR] [--crops 12] [--control-scale K] [--no-control-guidance] [--json out.json]
import { writeFileSync } from 'node:fs';
import { analyzeAudio } from '../src/analysis/music-analysis.js';
import { controlWindow, styleControlsOf } from '../src/conditions/style-controls.js';
import { dynamicsCorrelations, melodyAccuracy } from '../src/eval/control-fidelity.js';
import { loadAudioModel } from '../src/eval/audio-models/audio-model.js';
import { frechetDistance, gaussianFit } from '../src/eval/frechet.js';
import {
  contentFrames,
  DEFAULT_MODEL_DIR,
  loadModelFolder,
} from '../src/generator/model-folder.js';
import { generate } from '../src/generator/pipeline.js';
import { reconstructAudio } from '../src/generator/reconstruct.js';
import { rideDynamics } from '../src/decoder/dynamics-ride.js';
import { defaultVocoderName } from '../src/decoder/vocoders.js';
import { corpusClips, outsideCrops, pieceCondition, type HeldOutPiece } from './held-out-music.js';
import { option } from './args.js';

const modelDir = option('--model', DEFAULT_MODEL_DIR);
const dataset = option('--dataset', '.cache/debian-corpus/dataset');
const clips = Number(option('--clips', '100'));
const outside = option('--outside', '.cache/outside-music');
const crops = Number(option('--crops', '12'));
const scale = Number(option('--control-scale', '1'));
const controlGuidance = !process.argv.includes('--no-control-guidance');
const jsonOut = option('--json', '');

const model = await loadModelFolder(modelDir);
const m = model.manifest;
const style = await loadAudioModel('filmscore-style');
const embed = async (x: Float32Array): Promise<number[]> =>
  Array.from((await style.describe(x)).embeddings[0]);

/** The model's condition for a piece: a corpus clip's cached descriptors, else measured. */
const conditionOf = (p: HeldOutPiece): Float32Array =>
  pieceCondition(dataset, p, m.condition.names);

interface Fidelity {
  melodyAccuracy: number;
  dynamicsMicro: number;
  dynamicsMacro: number;
}
type Row = {
  set: string;
  n: number;
  withControls: Fidelity;
  /** The same generations before the dynamics ride. */
  network: Fidelity;
  withoutControls: Fidelity;
  ceiling: Fidelity;
  styleFrechet: { withControls: number; withoutControls: number };
  secondsPerWindow: { withControls: number; withoutControls: number };
};

const rows: Row[] = [];
const t0 = Date.now();
const sets: [string, HeldOutPiece[]][] = [
  ['corpus test clips', corpusClips(dataset, 'test', clips)],
  ['outside music', await outsideCrops(outside, crops)],
];
for (const [set, pieces] of sets) {
  // A Fréchet distance needs two or more pieces; --crops 0 leaves the outside set out.
  if (pieces.length === 0) continue;
  if (pieces.length < 2) throw new Error(`${set}: give two or more pieces (--clips, --crops)`);
  const acc = {
    with: [] as number[],
    network: [] as number[],
    without: [] as number[],
    ceiling: [] as number[],
  };
  const dyn = {
    with: [] as [Float32Array, Float32Array][],
    network: [] as [Float32Array, Float32Array][],
    without: [] as [Float32Array, Float32Array][],
    ceiling: [] as [Float32Array, Float32Array][],
  };
  const emb = { ref: [] as number[][], with: [] as number[][], without: [] as number[][] };
  const seconds = { with: 0, without: 0 };
  for (const [k, p] of pieces.entries()) {
    // The reference cut to the music a window holds (contentFrames: 10 s; the outside crops run
    // 10.24 s): the window's last 0.24 s is the model's learnt padding, never written out, whose
    // quiet would otherwise count against the dynamics of every crop.
    const piece = p.audio.subarray(0, Math.min(p.audio.length, contentFrames(m) * m.mel.hopLength));
    const controls = styleControlsOf(piece, m.sampleRate, ['melody', 'dynamics'], p.name);
    const n = controls.melody!.length;
    const read = (audio: Float32Array) =>
      analyzeAudio(audio.subarray(0, piece.length), m.sampleRate);
    const base = {
      condition: conditionOf(p),
      seed: 1000 + k,
      steps: m.defaults.steps,
      guidance: m.defaults.guidance,
      scheduler: m.defaults.scheduler,
    };
    let started = performance.now();
    const window = controlWindow(controls, 0, m.frames);
    const gn = await generate(model, {
      ...base,
      controls: window,
      controlScale: scale,
      controlGuidance,
      dynamicsRide: false,
    });
    const gw = {
      audio: rideDynamics(gn.audio, window.dynamics!, { amount: scale, span: gn.music.length }),
    };
    seconds.with += (performance.now() - started) / 1000;
    started = performance.now();
    const g0 = await generate(model, base);
    seconds.without += (performance.now() - started) / 1000;
    const rec = await reconstructAudio(model, piece, {
      path: 'vae',
      vocoder: defaultVocoderName(m),
    });
    for (const [key, audio] of [
      ['with', gw.audio],
      ['network', gn.audio],
      ['without', g0.audio],
      ['ceiling', rec.audio],
    ] as const) {
      const r = read(audio);
      acc[key].push(melodyAccuracy(controls.melody!.subarray(0, n), r.melody));
      dyn[key].push([controls.dynamics!, r.dynamics]);
    }
    emb.ref.push(await embed(piece));
    emb.with.push(await embed(gw.audio.subarray(0, piece.length)));
    emb.without.push(await embed(g0.audio.subarray(0, piece.length)));
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const fidelity = (key: keyof typeof acc): Fidelity => {
    const d = dynamicsCorrelations(dyn[key]);
    return { melodyAccuracy: mean(acc[key]), dynamicsMicro: d.micro, dynamicsMacro: d.macro };
  };
  const ref = gaussianFit(emb.ref);
  const row: Row = {
    set,
    n: pieces.length,
    withControls: fidelity('with'),
    network: fidelity('network'),
    withoutControls: fidelity('without'),
    ceiling: fidelity('ceiling'),
    styleFrechet: {
      withControls: frechetDistance(gaussianFit(emb.with), ref),
      withoutControls: frechetDistance(gaussianFit(emb.without), ref),
    },
    secondsPerWindow: {
      withControls: seconds.with / pieces.length,
      withoutControls: seconds.without / pieces.length,
    },
  };
  rows.push(row);
  const f = (x: Fidelity): string =>
    `melody ${(100 * x.melodyAccuracy).toFixed(1)} %, dyn r micro ${x.dynamicsMicro.toFixed(3)} macro ${x.dynamicsMacro.toFixed(3)}`;
  console.log(`${set} (${row.n}):`);
  console.log(
    `  with controls     ${f(row.withControls)}; style Fréchet ${row.styleFrechet.withControls.toFixed(1)}; ${row.secondsPerWindow.withControls.toFixed(2)} s/window`,
  );
  console.log(`  before the ride    ${f(row.network)}`);
  console.log(
    `  without controls  ${f(row.withoutControls)}; style Fréchet ${row.styleFrechet.withoutControls.toFixed(1)}; ${row.secondsPerWindow.withoutControls.toFixed(2)} s/window`,
  );
  console.log(`  ceiling (reference through VAE + ${defaultVocoderName(m)})  ${f(row.ceiling)}`);
}
console.log(
  `model ${model.dir}, control scale ${scale}, controls ${controlGuidance ? 'guided' : 'unguided'}, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
await model.dispose();
if (jsonOut)
  writeFileSync(
    jsonOut,
    JSON.stringify({ model: modelDir, scale, controlGuidance, rows }, null, 1),
  );
