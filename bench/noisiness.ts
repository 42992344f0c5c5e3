// Where a model's noisiness comes from (issue 11): for each held-out test clip, one generation
// asked for the clip's own descriptors (as bench/generator-quality.ts does: seed 1000 + k, the
// model's defaults), its spectral flatness 100–4000 Hz and RMS level beside the real clip's, so
// that excess flatness or level can be traced to the conditions that cause it; and the latents'
// texture: the generated latents' spread and roughness in time (first difference / std) beside
// the real clips' as the model's VAE encodes them; and how often the networks pass full scale
// (peaks the output's limiter, decoder/limiter.ts, now holds under −1 dBFS). For a model
// conditioned on noisiness, each clip also asked for fixed noisiness levels (flatnessAsked).
// Usage: node dist/bench/noisiness.js <dataset> [--model DIR] [--clips 20] [--json out.json]
import { writeFileSync } from 'node:fs';
import { spectralFlatness } from '../src/features/flatness.js';
import { logMelBandMajor } from '../src/features/mel.js';
import {
  DEFAULT_MODEL_DIR,
  loadModelFolder,
  loadVaeEncoder,
} from '../src/generator/model-folder.js';
import { generate } from '../src/generator/pipeline.js';
import { modelMelOptions } from '../src/generator/reconstruct.js';
import { option } from './args.js';
import { corpusClips, pieceCondition } from './held-out-music.js';
import { conditionVector } from '../src/generator/condition.js';

const dataset = process.argv[2];
if (!dataset || dataset.startsWith('--')) {
  process.stderr.write('usage: node dist/bench/noisiness.js <dataset> [--model DIR] [--clips N]\n');
  process.exit(2);
}
const model = await loadModelFolder(option('--model', DEFAULT_MODEL_DIR));
const m = model.manifest;
const clips = corpusClips(dataset, 'test', Number(option('--clips', '20')));
const encoder = await loadVaeEncoder(model);
const { channels: C, frames: L } = m.latent;

const rmsDb = (x: Float32Array): number =>
  10 * Math.log10(x.reduce((a, v) => a + v * v, 0) / x.length + 1e-20);

/** Spread and roughness in time of a [C × L] latent. */
function texture(latent: Float32Array): { std: number; roughness: number } {
  let s = 0;
  let s2 = 0;
  let d2 = 0;
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < L; t++) {
      const v = latent[c * L + t];
      s += v;
      s2 += v * v;
      if (t > 0) d2 += (v - latent[c * L + t - 1]) ** 2;
    }
  }
  const n = C * L;
  const std = Math.sqrt(s2 / n - (s / n) ** 2);
  return { std, roughness: Math.sqrt(d2 / (C * (L - 1))) / std };
}

/** A clip's log-mel in the model's window (padded with each band's quietest value), encoded. */
async function encode(audio: Float32Array): Promise<Float32Array> {
  const mel = logMelBandMajor(audio, modelMelOptions(m));
  const bands = m.mel.nMels;
  const window = new Float32Array(bands * m.frames);
  for (let b = 0; b < bands; b++) {
    let floor = Infinity;
    for (let t = 0; t < mel.frames; t++) floor = Math.min(floor, mel.data[b * mel.frames + t]);
    for (let t = 0; t < m.frames; t++)
      window[b * m.frames + t] = t < mel.frames ? mel.data[b * mel.frames + t] : floor;
  }
  const out = await encoder.run({
    [encoder.inputs[0].name]: { data: window, dims: [1, bands, m.frames] },
  });
  return Object.values(out)[0].data as Float32Array;
}

interface Row {
  id: string | undefined;
  condition: Record<string, number>;
  flatness: { real: number; generated: number };
  rmsDb: { real: number; generated: number };
  /** The generation's peak, and the share of its samples over full scale (what a 16-bit file
   * would clip without the output's limiter). */
  peak: number;
  overShare: number;
  latent: {
    real: { std: number; roughness: number };
    generated: { std: number; roughness: number };
  };
  /** A model conditioned on noisiness: the generation's flatness when asked, with the clip's
   * other descriptors, for each of NOISINESS_LEVELS (as `--mood noisiness=…` asks). */
  flatnessAsked?: Record<string, number>;
}
const NOISINESS_LEVELS = [0.1, 0.3, 0.5, 0.7];
const noisinessAt = m.condition.names.indexOf('noisiness');
const rows: Row[] = [];
for (const [k, clip] of clips.entries()) {
  const condition = pieceCondition(dataset, clip, m.condition.names);
  const g = await generate(model, {
    condition,
    seed: 1000 + k,
    steps: m.defaults.steps,
    guidance: m.defaults.guidance,
    scheduler: m.defaults.scheduler,
  });
  const row: Row = {
    id: clip.id,
    condition: Object.fromEntries(m.condition.names.map((n, i) => [n, condition[i]])),
    flatness: { real: spectralFlatness(clip.audio), generated: spectralFlatness(g.music) },
    rmsDb: { real: rmsDb(clip.audio), generated: rmsDb(g.music) },
    peak: g.music.reduce((a, v) => Math.max(a, Math.abs(v)), 0),
    overShare: g.music.filter((v) => Math.abs(v) > 1).length / g.music.length,
    latent: { real: texture(await encode(clip.audio)), generated: texture(g.latent) },
  };
  if (noisinessAt >= 0) {
    row.flatnessAsked = {};
    for (const level of NOISINESS_LEVELS) {
      const asked = Float32Array.from(condition);
      // As `--mood noisiness=level` asks: through the quantiles and the measured response.
      asked[noisinessAt] = conditionVector({}, m, { noisiness: level })[noisinessAt];
      const h = await generate(model, {
        condition: asked,
        seed: 1000 + k,
        steps: m.defaults.steps,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
      });
      row.flatnessAsked[level] = spectralFlatness(h.music);
    }
  }
  rows.push(row);
  const f = (x: number, d = 3): string => x.toFixed(d);
  process.stdout.write(
    `${clip.id} brightness ${f(row.condition.brightness ?? NaN, 2)} loudness ${f(row.condition.loudness ?? NaN, 2)}: ` +
      `flatness real ${f(row.flatness.real)} gen ${f(row.flatness.generated)} · RMS real ${f(row.rmsDb.real, 1)} gen ${f(row.rmsDb.generated, 1)} dB · ` +
      `latent roughness real ${f(row.latent.real.roughness)} gen ${f(row.latent.generated.roughness)}\n`,
  );
}
const mean = (f: (r: Row) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
const bright = rows.filter((r) => (r.condition.brightness ?? 0) >= 0.44);
const dark = rows.filter((r) => (r.condition.brightness ?? 1) < 0.44);
const ratio = (rs: Row[]): number =>
  rs.reduce((s, r) => s + r.flatness.generated, 0) / rs.reduce((s, r) => s + r.flatness.real, 0);
const summary = {
  flatness: { real: mean((r) => r.flatness.real), generated: mean((r) => r.flatness.generated) },
  flatnessRatio: { all: ratio(rows), bright: ratio(bright), dark: ratio(dark) },
  // Generated over real flatness when every clip is asked for one noisiness level.
  flatnessRatioAsked: Object.fromEntries(
    rows[0]?.flatnessAsked
      ? NOISINESS_LEVELS.map((l) => [
          l,
          mean((r) => r.flatnessAsked![l]) / mean((r) => r.flatness.real),
        ])
      : [],
  ),
  rmsOverFullScale: rows.filter((r) => r.rmsDb.generated > 0).map((r) => r.id),
  peaksOverFullScale: rows.filter((r) => r.peak > 1).length,
  samplesOverFullScale: mean((r) => r.overShare),
  latent: {
    std: { real: mean((r) => r.latent.real.std), generated: mean((r) => r.latent.generated.std) },
    roughness: {
      real: mean((r) => r.latent.real.roughness),
      generated: mean((r) => r.latent.generated.roughness),
    },
  },
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
const json = option('--json');
if (json) writeFileSync(json, JSON.stringify({ rows, summary }, null, 1));
await model.dispose();
