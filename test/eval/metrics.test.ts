import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frechetDistance, gaussianFit } from '../../src/eval/frechet.js';
import {
  clipBeatScore,
  motionPeaks,
  onsetSlots,
  rhythmScores,
  signalSlots,
  videoSlots,
} from '../../src/eval/rhythm.js';
import { inceptionScore, klDivergence } from '../../src/eval/classifier-scores.js';
import {
  dynamicsCorrelation,
  dynamicsCorrelations,
  melodyAccuracy,
} from '../../src/eval/control-fidelity.js';
import { GaussianNoise } from '../../src/sampler/noise.js';
import { clicks } from '../../src/synth/signals.js';
import { reference } from '../helpers/reference.js';

/** n draws of a d-dimensional Gaussian with mean shift and a random mixing (correlated). */
function gaussians(n: number, d: number, seed: number, shift: number, mix: number): Float32Array {
  const g = new GaussianNoise(seed);
  const a = Array.from({ length: d * d }, () => g.normal() * mix);
  const out = new Float32Array(n * d);
  for (let k = 0; k < n; k++) {
    const z = Array.from({ length: d }, () => g.normal());
    for (let i = 0; i < d; i++) {
      let v = z[i] + shift * (i % 3);
      for (let j = 0; j < d; j++) v += a[i * d + j] * z[j];
      out[k * d + i] = v;
    }
  }
  return out;
}

const rows = (x: Float32Array, d: number): Float32Array[] =>
  Array.from({ length: x.length / d }, (_, k) => x.subarray(k * d, (k + 1) * d));

describe('Fréchet distance', () => {
  for (const [d, n] of [
    [8, 100],
    [64, 300],
  ]) {
    it(`matches scipy's sqrtm route on correlated Gaussians (d = ${d})`, () => {
      const a = gaussians(n, d, 1, 0, 0.3);
      const b = gaussians(n, d, 2, 0.5, 0.5);
      const ours = frechetDistance(gaussianFit(rows(a, d)), gaussianFit(rows(b, d)));
      const { fd } = reference<{ fd: number }>('frechet', { dims: d }, { a, b });
      assert.ok(Math.abs(ours - fd) < 1e-6 * Math.max(1, fd), `${ours} vs scipy ${fd}`);
    });
  }

  it('is zero for identical sets and grows with a mean shift', () => {
    const a = rows(gaussians(200, 16, 3, 0, 0.4), 16);
    const fit = gaussianFit(a);
    assert.ok(Math.abs(frechetDistance(fit, fit)) < 1e-9);
    // A pure shift by δ in every dimension adds exactly d·δ² to the distance.
    const shifted = gaussianFit(a.map((r) => Float64Array.from(r, (v) => v + 0.5)));
    assert.ok(Math.abs(frechetDistance(fit, shifted) - 16 * 0.25) < 1e-9);
  });
});

describe('rhythm (LORIS beats_scores)', () => {
  it('quantises onsets to one slot per started second', () => {
    assert.deepEqual(Array.from(onsetSlots([0.3, 0.9, 2.01, 5.999], 6)), [1, 0, 1, 0, 0, 1]);
    assert.equal(onsetSlots([], 6.2).length, 7);
  });

  it('BCS, BHS, F1, CSD, HSD worked out by hand', () => {
    // Clip 1: generated slots {0,1,3,5} over 6 s; reference slots {0,2,3,5,7} over 8 s, cut to
    // 6 → {0,2,3,5}. Hits {0,3,5} = 3: BCS 3/4, BHS 3/4.
    const c1 = clipBeatScore(
      onsetSlots([0.5, 1.5, 3.2, 3.7, 5.1], 6),
      onsetSlots([0.3, 2.4, 3.9, 5.5, 7.2], 8),
    );
    assert.deepEqual(
      [c1.generatedSlots, c1.referenceSlots, c1.hits, c1.bcs, c1.bhs],
      [4, 4, 3, 0.75, 0.75],
    );
    // Clip 2: generated {0,1,2,3} over 4 s; reference {1} over 4 s. Hits 1: BCS 1/4, BHS 1.
    const c2 = clipBeatScore(onsetSlots([0.1, 1.1, 2.1, 3.1], 4), onsetSlots([1.5], 4));
    assert.deepEqual([c2.bcs, c2.bhs], [0.25, 1]);
    // Clip 3: no generated onsets: BCS 0 (denominator 0), BHS 0.
    const c3 = clipBeatScore(onsetSlots([], 4), onsetSlots([1.5], 4));
    assert.deepEqual([c3.bcs, c3.bhs], [0, 0]);
    const r = rhythmScores([c1, c2, c3]);
    const bcs = (0.75 + 0.25 + 0) / 3;
    const bhs = (0.75 + 1 + 0) / 3;
    assert.ok(Math.abs(r.BCS - bcs) < 1e-12);
    assert.ok(Math.abs(r.BHS - bhs) < 1e-12);
    assert.ok(Math.abs(r.F1 - (2 * bcs * bhs) / (bcs + bhs)) < 1e-12);
    const sd = (v: number[], m: number): number =>
      Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
    assert.ok(Math.abs(r.CSD - sd([0.75, 0.25, 0], bcs)) < 1e-12);
    assert.ok(Math.abs(r.HSD - sd([0.75, 1, 0], bhs)) < 1e-12);
  });

  it('detects the slots of click tracks with known onset times', () => {
    const sr = 22050;
    const gen = clicks([0.5, 1.5, 3.2, 3.7, 5.1], 6, sr);
    const ref = clicks([0.3, 2.4, 3.9, 5.5, 7.2], 8, sr);
    const s = clipBeatScore(signalSlots(gen), signalSlots(ref));
    assert.deepEqual([s.generatedSlots, s.referenceSlots, s.hits], [4, 4, 3]);
  });
});

describe('KL and IS', () => {
  it('KL (softmax, sigmoid) by hand', () => {
    // Reference p = softmax([0, ln 3]) = [1/4, 3/4]; generated q = softmax([0, 0]) = [1/2, 1/2].
    const kl = klDivergence([[0, 0]], [[0, Math.log(3)]], 'softmax');
    const hand =
      0.25 * (Math.log(0.25) - Math.log(0.5 + 1e-6)) +
      0.75 * (Math.log(0.75) - Math.log(0.5 + 1e-6));
    assert.ok(Math.abs(kl - hand) < 1e-12);
    // Sigmoid: per class p = σ(ref), q = σ(gen), Σ p (log p − log(q + ε)), no (1 − p) terms.
    const ks = klDivergence([[0]], [[Math.log(3)]], 'sigmoid');
    assert.ok(Math.abs(ks - 0.75 * (Math.log(0.75) - Math.log(0.5 + 1e-6))) < 1e-12);
    // Averaged over pairs; identical clips give only the ε term (≈ −ε Σ 1).
    assert.ok(
      Math.abs(
        klDivergence(
          [
            [1, 2],
            [3, 0],
          ],
          [
            [1, 2],
            [3, 0],
          ],
          'softmax',
        ),
      ) < 3e-6,
    );
    assert.throws(() => klDivergence([[0]], [], 'softmax'), /paired/);
  });

  it('IS is the number of classes for confident, evenly spread predictions, 1 for one class', () => {
    const confident = Array.from({ length: 40 }, (_, k) =>
      [0, 1, 2, 3].map((c) => (c === k % 4 ? 60 : 0)),
    );
    const spread = inceptionScore(confident);
    assert.ok(Math.abs(spread.mean - 4) < 1e-6 && spread.std < 1e-6, JSON.stringify(spread));
    const same = inceptionScore(Array.from({ length: 20 }, () => [5, 0, 0]));
    assert.ok(Math.abs(same.mean - 1) < 1e-12);
    // Two classes at 3:1 confidence in each half of every split: p(y) = [1/2, 1/2] and
    // KL(p(y|x) ‖ p(y)) = Σ p log 2p.
    const mixed = Array.from({ length: 20 }, (_, k) =>
      k % 2 ? [Math.log(3), 0] : [0, Math.log(3)],
    );
    const h = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
    assert.ok(Math.abs(inceptionScore(mixed).mean - Math.exp(h)) < 1e-12);
  });
});

describe('control fidelity', () => {
  it('melody accuracy and dynamics correlation (micro, macro) by hand', () => {
    assert.equal(melodyAccuracy([0, 1, 2, 3], [0, 1, 5, 3]), 0.75);
    assert.equal(melodyAccuracy([7, 7, 7], [7, 7, 7, 1]), 1);
    assert.ok(Math.abs(dynamicsCorrelation([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12);
    assert.ok(Math.abs(dynamicsCorrelation([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
    // Each pair perfectly correlated, but the second sits 10 dB higher in the output only:
    // micro = 1; pooled (macro) r by hand over x = 1,2,3,1,2,3 and y = 1,2,3,11,12,13.
    const r = dynamicsCorrelations([
      [
        [1, 2, 3],
        [1, 2, 3],
      ],
      [
        [1, 2, 3],
        [11, 12, 13],
      ],
    ]);
    assert.ok(Math.abs(r.micro - 1) < 1e-12);
    const x = [1, 2, 3, 1, 2, 3];
    const y = [1, 2, 3, 11, 12, 13];
    const mx = 2;
    const my = 7;
    const sxy = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0);
    const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
    const syy = y.reduce((a, v) => a + (v - my) ** 2, 0);
    assert.ok(Math.abs(r.macro - sxy / Math.sqrt(sxx * syy)) < 1e-12);
  });
});

describe('rhythm against the picture', () => {
  it('motion peaks are picked as the audio onsets are; slots join them with the cuts', () => {
    // 10 fps, 9 s: low wobbling motion with three bursts at frames 15, 42 and 77.
    const motion = Float32Array.from({ length: 90 }, (_, i) => 0.01 + 0.002 * Math.sin(i));
    for (const [f, v] of [
      [15, 0.2],
      [42, 0.15],
      [77, 0.3],
    ])
      motion[f] = v;
    assert.deepEqual(motionPeaks(motion, 10), [1.5, 4.2, 7.7]);
    assert.deepEqual(Array.from(videoSlots([5.5], motion, 10, 9)), [0, 1, 0, 0, 1, 1, 0, 1, 0]);
    assert.deepEqual(motionPeaks(new Float32Array(30).fill(0.1), 10), []); // a still picture
  });
});
