import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PANN_MEL, pannLogMel, vggishExamples } from '../../src/eval/audio-models/front-ends.js';
import { loadAudioModel } from '../../src/eval/audio-models/audio-model.js';
import { GaussianNoise } from '../../src/sampler/noise.js';
import { note } from '../../src/synth/signals.js';
import { tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

const SR = 16000;

/** 3.3 s of a chord over quiet noise: energy in many bands, a tail shorter than one example. */
function testSignal(seconds = 3.3): Float32Array {
  const g = new GaussianNoise(3);
  const x = g.fill(Math.round(seconds * SR)).map((v) => v * 0.01);
  for (const midi of [57, 64, 69, 76]) {
    const n = note(midi, seconds, SR, 0.15);
    for (let i = 0; i < x.length; i++) x[i] += n[i];
  }
  return x;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('audio models: reference pre-processing', () => {
  it("VGGish examples match mel_features.py's definition (numpy)", () => {
    const x = testSignal();
    const ours = vggishExamples(x);
    const ref = reference<{ count: number; examples: number[] }>('vggish_examples', {}, { x });
    assert.equal(ours.count, 3); // 3.3 s → 328 frames → three 0.96 s examples, the tail dropped
    assert.equal(ref.count, ours.count);
    const diff = maxAbsDiff(ours.data, ref.examples);
    assert.ok(diff < 2e-4, `max |Δ| ${diff}`);
    assert.equal(vggishExamples(x.subarray(0, 15000)).count, 0); // under 0.96 s: none
  });

  it("PANN's log-mel matches torchaudio (slaney mel of the power, 10·log10)", () => {
    const x = testSignal(2);
    const ours = pannLogMel(x);
    const ref = reference<{ mel: number[]; frames: number }>('mel', { ...PANN_MEL }, { x });
    assert.equal(ours.frames, ref.frames);
    const refDb = ref.mel.map((v) => 10 * Math.log10(Math.max(v, 1e-10)));
    const diff = maxAbsDiff(ours.data, refDb);
    assert.ok(diff < 1e-2, `max |Δ| ${diff} dB`);
  });
});

describe('audio models: plugged-in ONNX exports', () => {
  it('VGGish- and PANN-shaped exports give what PyTorch gives on the reference inputs', async () => {
    const dir = tempDir();
    const paths = { vggish: join(dir, 'vggish.onnx'), pann: join(dir, 'pann.onnx') };
    reference('export_audio_standins', paths);
    const x = testSignal();
    const ref = reference<{ vggish: number[]; pannProb: number[]; pannEmbedding: number[] }>(
      'run_audio_standins',
      {},
      { x },
    );
    const vggish = await loadAudioModel(`vggish:${paths.vggish}`);
    const v = await vggish.describe(x);
    assert.equal(v.embeddings.length, 3); // one sample per 0.96 s example
    assert.equal(v.logits, null);
    assert.ok(
      maxAbsDiff(
        v.embeddings.flatMap((e) => Array.from(e)),
        ref.vggish,
      ) < 1e-4,
    );
    await vggish.dispose();

    const pann = await loadAudioModel(`pann:${paths.pann}`);
    assert.equal(pann.classifier, 'sigmoid');
    const p = await pann.describe(x);
    assert.equal(p.embeddings.length, 1);
    assert.ok(maxAbsDiff(p.embeddings[0], ref.pannEmbedding) < 1e-4);
    const probs = Array.from(p.logits!, (l) => 1 / (1 + Math.exp(-l)));
    assert.ok(maxAbsDiff(probs, ref.pannProb) < 1e-5);
    await pann.dispose();

    // A PANN export given as VGGish: the mismatch is named.
    await assert.rejects(
      loadAudioModel(`vggish:${paths.pann}`),
      /VGGish export should take one input of rank 3 or 4; it takes waveform \[1, samples\]/,
    );
    await assert.rejects(loadAudioModel('vggish'), /needs its ONNX file/);
    await assert.rejects(
      loadAudioModel('clap:x.onnx'),
      /--audio-model clap:x.onnx: unknown audio model/,
    );
  });

  it('the bundled style model tells the corpus styles apart and embeds any length', async () => {
    const model = await loadAudioModel();
    assert.equal(model.name, 'filmscore-style');
    assert.ok(model.classes!.length >= 3);
    const short = await model.describe(testSignal(1));
    const long = await model.describe(testSignal(12));
    assert.equal(short.embeddings[0].length, long.embeddings[0].length);
    const p = Array.from(long.logits!, Math.exp);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    await model.dispose();
  });
});
