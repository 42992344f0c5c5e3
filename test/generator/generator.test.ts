import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadModelFolder,
  loadVaeEncoder,
  type GeneratorModel,
} from '../../src/generator/model-folder.js';
import { generate } from '../../src/generator/pipeline.js';
import { conditionVector, parseMood, stretchWeights } from '../../src/generator/condition.js';
import { levelToQuantile } from '../../src/conditions/calibration.js';
import { CORPUS_AFFECT_QUANTILES } from '../../src/conditions/corpus-affect-quantiles.js';
import { UsageError } from '../../src/util/errors.js';
import { reference } from '../helpers/reference.js';
import { tempDir } from '../helpers/media.js';

function seeded(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return offset + scale * (2 * (s / 2147483648) - 1);
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('generator model folder (tiny random networks exported by training/export_model.py)', () => {
  const dir = tempDir();
  const folder = join(dir, 'tiny');
  let model: GeneratorModel;

  before(async () => {
    reference('export_tiny_generator', { out: folder, seed: 0 });
    model = await loadModelFolder(folder);
  });
  after(async () => {
    await model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  // Tolerance: float32 in both; ONNX Runtime may fuse and reorder the arithmetic, so outputs
  // agree to 1e-4 relative to their largest magnitude (1e-3 for the vocoder's overlap-add).
  it('every network gives PyTorch outputs through ONNX Runtime', async () => {
    const batch = 2;
    const latent = seeded(batch * 32 * 256, 1);
    const timestep = Float32Array.from([10.5, 700.25]); // fractional, as DPM-Solver asks
    const affect = seeded(batch * 6, 2, 0.5, 0.5);
    const keep = Float32Array.from([1, 0]);
    const mel = seeded(128 * 37, 3, 2, -5);
    const ref = reference<Record<string, number[]>>(
      'run_tiny_generator',
      { batch, seed: 0 },
      { latent, timestep, affect, keep, mel },
    );
    const relative = (got: ArrayLike<number>, want: number[]): number => {
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      return maxAbsDiff(got, want) / scale;
    };
    const noise = (
      await model.unet.run({
        latent: { data: latent, dims: [batch, 32, 256] },
        timestep: { data: timestep, dims: [batch] },
        affect: { data: affect, dims: [batch, 6] },
        keep: { data: keep, dims: [batch] },
      })
    ).noise;
    assert.ok(relative(noise.data, ref.noise) < 1e-4, `unet ${relative(noise.data, ref.noise)}`);
    const decoded = (
      await model.vaeDecoder.run({ latent: { data: latent, dims: [batch, 32, 256] } })
    ).mel;
    assert.deepEqual(decoded.dims, [batch, 128, 1024]);
    assert.equal(model.manifest.mel.nMels, 128);
    assert.ok(relative(decoded.data, ref.decoded) < 1e-4);
    const encoder = await loadVaeEncoder(model);
    const encoded = (await encoder.run({ mel: decoded })).latent;
    assert.ok(
      relative(encoded.data, ref.encoded) < 1e-4,
      `encoder ${relative(encoded.data, ref.encoded)}`,
    );
    const audio = (await model.vocoder.run({ mel: { data: mel, dims: [1, 128, 37] } })).audio;
    assert.deepEqual(audio.dims, [1, 37 * 160]);
    assert.ok(relative(audio.data, ref.audio) < 1e-3, `vocoder ${relative(audio.data, ref.audio)}`);
  });

  it('an fp16 export is smaller and stays within 1 % of the float32 networks', async () => {
    const half = join(dir, 'tiny16');
    reference('export_tiny_generator', { out: half, seed: 0, fp16: true });
    const m16 = await loadModelFolder(half);
    try {
      assert.ok(
        statSync(join(half, 'unet.onnx')).size < 0.8 * statSync(join(folder, 'unet.onnx')).size,
      );
      const latent = seeded(32 * 256, 4);
      const feeds = {
        latent: { data: latent, dims: [1, 32, 256] },
        timestep: { data: Float32Array.from([300]), dims: [1] },
        affect: { data: seeded(6, 5, 0.5, 0.5), dims: [1, 6] },
        keep: { data: Float32Array.from([1]), dims: [1] },
      };
      const a = (await model.unet.run(feeds)).noise.data;
      const b = (await m16.unet.run(feeds)).noise.data;
      const scale = a.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
      assert.ok(maxAbsDiff(a, b) / scale < 0.01, `fp16 ${maxAbsDiff(a, b) / scale}`);
      assert.ok(maxAbsDiff(a, b) > 0, 'the weights really are float16');
    } finally {
      await m16.dispose();
    }
  });

  it('generates a reproducible window: same seed same audio, another seed another', async () => {
    const opts = {
      condition: conditionVector({ pace: 0.9 }, model.manifest),
      steps: 4,
      guidance: 3,
      scheduler: 'dpm-solver++' as const,
    };
    const steps: number[] = [];
    const a = await generate(model, { ...opts, seed: 7, onStep: (d) => steps.push(d) });
    const b = await generate(model, { ...opts, seed: 7 });
    const c = await generate(model, { ...opts, seed: 8 });
    assert.deepEqual(steps, [1, 2, 3, 4]);
    assert.equal(a.audio.length, 1024 * 160);
    assert.equal(a.melFrames, 1024);
    assert.equal(a.sampleRate, 16000);
    assert.deepEqual(a.audio, b.audio);
    assert.ok(maxAbsDiff(a.audio, c.audio) > 0);
    // Guidance changes the result; guidance 1 is the conditional model alone.
    const g1 = await generate(model, { ...opts, seed: 7, guidance: 1 });
    assert.ok(maxAbsDiff(a.audio, g1.audio) > 0);
    for (const v of a.audio) assert.ok(Number.isFinite(v));
  });

  it('a condition track: one value is the plain condition; each stretch takes its own value’s prediction', async () => {
    const m = model.manifest;
    const F = m.latent.frames;
    const C = m.latent.channels;
    const a = conditionVector({ pace: 0.9, brightness: 0.1 }, m);
    const b = conditionVector({ pace: 0.1, brightness: 0.9 }, m);
    const opts = { seed: 3, steps: 4, guidance: 3, scheduler: 'dpm-solver++' as const };
    const plain = await generate(model, { ...opts, condition: a });
    const single = await generate(model, {
      ...opts,
      condition: { values: [a], weights: new Float32Array(F).fill(1) },
    });
    assert.deepEqual(single.audio, plain.audio);
    // One sampler step is elementwise in the noise prediction, so with the first half of the
    // frames on A and the rest on B, each half's latent is that condition's own (to float
    // reordering across batch rows); a track that ignored its weights or its values would not be.
    const one = { ...opts, steps: 1 };
    const onlyA = await generate(model, { ...one, condition: a });
    const onlyB = await generate(model, { ...one, condition: b });
    const half = Math.floor(F / 2);
    const track = await generate(model, {
      ...one,
      condition: { values: [a, b], weights: stretchWeights([0, half], F, 0) },
    });
    let worst = 0;
    let scale = 0;
    let apart = 0;
    for (let c = 0; c < C; c++) {
      for (let f = 0; f < F; f++) {
        const own = (f < half ? onlyA : onlyB).latent[c * F + f];
        const other = (f < half ? onlyB : onlyA).latent[c * F + f];
        worst = Math.max(worst, Math.abs(track.latent[c * F + f] - own));
        apart = Math.max(apart, Math.abs(own - other));
        scale = Math.max(scale, Math.abs(own));
      }
    }
    assert.ok(worst <= 1e-4 * scale, `track vs its stretches' own: ${worst} (scale ${scale})`);
    assert.ok(apart > 100 * worst, `A and B differ by ${apart}`);
    await assert.rejects(
      generate(model, { ...opts, condition: { values: [a, b], weights: new Float32Array(F) } }),
      /needs 2 × \d+ weights/,
    );
  });

  it('maps affect levels through the manifest quantiles, in manifest order', () => {
    const m = model.manifest;
    const v = conditionVector({ pace: 1, brightness: 0 }, m);
    const q = m.condition.quantiles!;
    assert.equal(v[0], Math.fround(levelToQuantile(0, q.brightness!)));
    assert.equal(v[1], Math.fround(levelToQuantile(1, q.pace!)));
    assert.equal(v[2], Math.fround(levelToQuantile(0.5, q.valence!))); // not given: medium
    assert.deepEqual(parseMood('pace=0.8, tension=0', m.condition.names), {
      pace: 0.8,
      tension: 0,
    });
    assert.throws(() => parseMood('pace=2', m.condition.names), /outside 0–1/);
    assert.throws(() => parseMood('density=0.5', m.condition.names), /not a condition/);
    assert.throws(() => parseMood('pace', m.condition.names), /name=value/);
  });

  it('an override moves the mixes it is part of (arousal, valence) as the music definitions do', () => {
    const m = model.manifest;
    const q = m.condition.quantiles!;
    const film = { pace: 0.2, loudness: 0.3, arousal: 0.4, valence: 0.6, brightness: 0.5 };
    const base = conditionVector(film, m);
    const moved = conditionVector(film, m, { pace: 0.9, loudness: 0.8 });
    const at = (n: string): number => m.condition.names.indexOf(n as never);
    const dPace = levelToQuantile(0.9, q.pace!) - levelToQuantile(0.2, q.pace!);
    const dLoud = levelToQuantile(0.8, q.loudness!) - levelToQuantile(0.3, q.loudness!);
    const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
    assert.ok(close(moved[at('pace')], levelToQuantile(0.9, q.pace!)));
    assert.ok(
      close(moved[at('arousal')], Math.min(1, base[at('arousal')] + 0.35 * dPace + 0.4 * dLoud)),
    );
    assert.ok(close(moved[at('valence')], Math.min(1, base[at('valence')] + 0.25 * dPace)));
    assert.equal(moved[at('tension')], base[at('tension')]); // not a mix of pace or loudness
    // Given explicitly, a mix is taken as it is.
    const pinned = conditionVector(film, m, { pace: 0.9, arousal: 0.1 });
    assert.ok(close(pinned[at('arousal')], levelToQuantile(0.1, q.arousal!)));
    // Without overrides, nothing moves.
    assert.deepEqual(conditionVector(film, m, {}), base);
  });

  it('a film-kind model gets the arousal slot in its loudness slot, as it was trained', () => {
    // data.py load_film: a picture has no loudness, so training put its calibrated arousal
    // there; a film-kind manifest has no quantiles of its own (the corpus's apply).
    const m = {
      ...model.manifest,
      condition: { ...model.manifest.condition, kind: 'film' as const, quantiles: undefined },
    };
    const q = CORPUS_AFFECT_QUANTILES;
    const at = (n: string): number => m.condition.names.indexOf(n as never);
    const film = { pace: 0.2, arousal: 0.3, loudness: 0.3, brightness: 0.7 };
    const v = conditionVector(film, m);
    const arousal = Math.fround(levelToQuantile(0.3, q.arousal!));
    assert.equal(v[at('arousal')], arousal);
    assert.equal(v[at('loudness')], arousal);
    // Not so for the music-trained kind: its loudness slot is the music's loudness scale.
    const music = conditionVector(film, { ...m, condition: { ...m.condition, kind: 'affect' } });
    assert.notEqual(music[at('loudness')], music[at('arousal')]);
    // --mood loudness asks a film-kind model for arousal.
    const louder = conditionVector(film, m, { loudness: 0.9 });
    assert.equal(louder[at('arousal')], Math.fround(levelToQuantile(0.9, q.arousal!)));
    assert.equal(louder[at('loudness')], louder[at('arousal')]);
  });

  it('refuses a missing or incompatible model folder with a clear message', async () => {
    await assert.rejects(
      loadModelFolder(join(dir, 'nowhere')),
      (e: unknown) => e instanceof UsageError && /model folder not found/.test(e.message),
    );
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    await assert.rejects(loadModelFolder(bad), /manifest.json is missing/);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ ...manifest, version: 99 }));
    await assert.rejects(loadModelFolder(bad), /manifest version 99/);
    writeFileSync(join(bad, 'manifest.json'), '{oops');
    await assert.rejects(loadModelFolder(bad), /not valid JSON/);
    const noUnet = join(dir, 'no-unet');
    cpSync(folder, noUnet, { recursive: true });
    rmSync(join(noUnet, 'unet.onnx'));
    await assert.rejects(loadModelFolder(noUnet), /diffusion UNet model is missing/);
  });
});
