// The model's own audio front end (128 mel bands by default since issue 11) and the
// reconstruction metrics: the TypeScript side must agree with what training computes
// (training/filmscore_training/front_end.py) and with independent references.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spectralFlatness } from '../../src/features/flatness.js';
import { logMelBandMajor, melSpectrogram } from '../../src/features/mel.js';
import {
  logMelL1,
  multiResolutionStftDistance,
  reconstructionReport,
} from '../../src/eval/reconstruction.js';
import { concat, noise, note, sine } from '../../src/synth/signals.js';
import { modelMelOptions } from '../../src/generator/reconstruct.js';
import type { ModelManifest } from '../../src/generator/model-folder.js';
import { reference } from '../helpers/reference.js';

const SR = 16000;
const music = concat([
  note(57, 0.6, SR),
  note(61, 0.6, SR),
  note(64, 0.6, SR),
  noise(8000, 3, 0.05),
]);

describe("the model's front end (training ↔ runtime)", () => {
  for (const nMels of [64, 128]) {
    it(`${nMels} bands: TypeScript log-mel equals training's front_end.LogMel within 1e-3`, () => {
      const ref = reference<{ logMel: number[]; frames: number; manifest: ModelManifest['mel'] }>(
        'training_front_end',
        { nMels },
        { x: music },
      );
      const opts = modelMelOptions({ sampleRate: SR, mel: ref.manifest } as ModelManifest);
      assert.equal(opts.nMels, nMels);
      const ours = logMelBandMajor(music, opts);
      assert.equal(ours.frames, ref.frames);
      const linear = melSpectrogram(music, opts);
      let worst = 0;
      for (let b = 0; b < nMels; b++) {
        for (let t = 0; t < ours.frames; t++) {
          // Compare where the mel stands above float32 rounding (the log magnifies it below).
          if (linear.data[t * nMels + b] < 1e-3) continue;
          const i = b * ours.frames + t;
          worst = Math.max(worst, Math.abs(ours.data[i] - ref.logMel[i]));
        }
      }
      assert.ok(worst < 1e-3, `log-mel differs by ${worst}`);
    });
  }

  it('128 bands resolve two notes a semitone apart that 64 bands blur into one band', () => {
    // A3 (220 Hz) and A#3 (233 Hz): their strongest bands differ only with the finer mel.
    const peakBand = (x: Float32Array, nMels: number): number => {
      const m = melSpectrogram(x, {
        ...modelMelOptions({
          sampleRate: SR,
          mel: {
            nFft: 1024,
            hopLength: 160,
            winLength: 1024,
            nMels,
            fMin: 0,
            fMax: 8000,
            power: 1,
          },
        } as ModelManifest),
      });
      let best = 0;
      for (let b = 0; b < nMels; b++)
        if (m.data[20 * nMels + b] > m.data[20 * nMels + best]) best = b;
      return best;
    };
    const a = sine(220, 0.5, SR);
    const aSharp = sine(233.08, 0.5, SR);
    assert.equal(peakBand(a, 64), peakBand(aSharp, 64));
    assert.notEqual(peakBand(a, 128), peakBand(aSharp, 128));
  });
});

describe('spectral flatness', () => {
  it('equals a numpy implementation within 1e-4 (relative) on music and on noise', () => {
    for (const x of [music, noise(16000, 9, 0.3)]) {
      const ref = reference<{ flatness: number }>('flatness', {}, { x });
      const ours = spectralFlatness(x);
      assert.ok(
        Math.abs(ours - ref.flatness) < 1e-4 * ref.flatness + 1e-7,
        `${ours} vs ${ref.flatness}`,
      );
    }
  });

  it('reads a tone as far less flat than white noise (≈ e^−γ = 0.56 for a periodogram)', () => {
    const tone = spectralFlatness(sine(440, 1, SR));
    const white = spectralFlatness(noise(32000, 4, 0.3));
    assert.ok(tone < 0.01, `tone ${tone}`);
    assert.ok(white > 0.45 && white < 0.65, `white noise ${white}`);
  });
});

describe('reconstruction report', () => {
  it('a signal against itself: melody 100 %, dynamics r 1, distances 0, flatness ratio 1', () => {
    const r = reconstructionReport(music, music);
    assert.equal(r.melodyAccuracy, 1);
    assert.ok(Math.abs(r.dynamicsR - 1) < 1e-9);
    assert.equal(r.melL1, 0);
    assert.equal(r.mrStft, 0);
    assert.ok(Math.abs(r.flatness.ratio - 1) < 1e-12);
  });

  it('a melody transposed by a fifth keeps no melody frames but its dynamics; noise added raises flatness', () => {
    const up = concat([
      note(64, 0.6, SR),
      note(68, 0.6, SR),
      note(71, 0.6, SR),
      noise(8000, 3, 0.05),
    ]);
    const r = reconstructionReport(music, up);
    // Only the noise tail can agree by chance.
    assert.ok(r.melodyAccuracy < 0.45, `melody ${r.melodyAccuracy}`);
    assert.ok(r.dynamicsR > 0.9, `dynamics r ${r.dynamicsR}`);
    assert.ok(r.mrStft > 0.1);
    // Notes alone (no noise tail): a noise floor 20 dB under them shows in the flatness.
    const notes = concat([note(57, 0.6, SR), note(61, 0.6, SR), note(64, 0.6, SR)]);
    const floor = noise(notes.length, 11, 0.04);
    const n = reconstructionReport(
      notes,
      Float32Array.from(notes, (v, i) => v + floor[i]),
    );
    assert.ok(n.flatness.ratio > 2, `flatness ratio ${n.flatness.ratio}`);
  });

  it('mel L1 is the mean absolute log-mel difference (a constant gain g gives |log g|)', () => {
    // Broadband noise keeps every band above the 1e-5 floor, so the difference is exactly log 2.
    const x = noise(16000, 5, 0.3);
    const a = logMelBandMajor(x);
    const b = logMelBandMajor(Float32Array.from(x, (v) => v * 2));
    assert.ok(Math.abs(logMelL1(a, b, 64) - Math.log(2)) < 1e-3, `${logMelL1(a, b, 64)}`);
    assert.equal(multiResolutionStftDistance(music, music), 0);
  });
});
