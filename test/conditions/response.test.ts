// A model's measured response and its inverse (src/conditions/response.ts), and the condition
// vector that goes through it (src/generator/condition.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitResponse,
  invertResponse,
  isotonicFit,
  isResponseCurve,
} from '../../src/conditions/response.js';
import { conditionTargets, conditionVector } from '../../src/generator/condition.js';
import type { ModelManifest } from '../../src/generator/model-folder.js';
import { GaussianNoise } from '../../src/sampler/noise.js';

/** Isotonic regression by its min–max formula (Barlow et al.): an independent definition. */
function isotonicByMinMax(y: number[]): number[] {
  const mean = (a: number, b: number): number =>
    y.slice(a, b + 1).reduce((s, v) => s + v, 0) / (b - a + 1);
  return y.map((_, i) => {
    let best = -Infinity;
    for (let a = 0; a <= i; a++) {
      let low = Infinity;
      for (let b = i; b < y.length; b++) low = Math.min(low, mean(a, b));
      best = Math.max(best, low);
    }
    return best;
  });
}

describe('measured responses', () => {
  it('isotonicFit is the least-squares non-decreasing fit (min–max formula)', () => {
    const rng = new GaussianNoise(5);
    for (let trial = 0; trial < 20; trial++) {
      const y = Array.from({ length: 9 }, (_, i) => 0.1 * i + 0.3 * rng.normal());
      const ours = isotonicFit(y);
      const ref = isotonicByMinMax(y);
      ours.forEach((v, i) =>
        assert.ok(Math.abs(v - ref[i]) < 1e-12, `${trial}/${i}: ${v} vs ${ref[i]}`),
      );
    }
    assert.deepEqual(isotonicFit([3, 1, 2]), [2, 2, 2]);
  });

  it('inverts a fitted response: asking for its output gives back its input', () => {
    const curve = fitResponse(
      [0.1, 0.4, 0.6, 0.8],
      [
        [0.0, 0.02],
        [0.1, 0.14],
        [0.5, 0.3],
        [0.7, 0.9],
      ],
    );
    assert.deepEqual(
      curve.outputs.map((v) => Number(v.toFixed(6))),
      [0.01, 0.12, 0.4, 0.8],
    );
    for (const [x, y] of curve.inputs.map((x, i) => [x, curve.outputs[i]]))
      assert.ok(Math.abs(invertResponse(y, curve) - x) < 1e-12);
    // Between points: linear; outside the measured range: the end inputs.
    assert.ok(Math.abs(invertResponse(0.26, curve) - 0.5) < 1e-12);
    assert.equal(invertResponse(-1, curve), 0.1);
    assert.equal(invertResponse(2, curve), 0.8);
    assert.ok(isResponseCurve(curve));
    assert.ok(!isResponseCurve({ inputs: [0.2, 0.1], outputs: [0, 1] }));
    assert.ok(!isResponseCurve({ inputs: [0.1, 0.2], outputs: [1, 0] }));
  });

  it("spans only the inputs from the lowest-measuring to the highest: a model's extremes are where it made the most extreme music", () => {
    // The candidate UNet of session 7 (pace, 3 seeds each): asked 0.083 it made busier music
    // (0.47) than asked 0.337 (0.12); the whole-range fit pooled them and sent "slowest" to 0.083.
    const inputs = [0.083, 0.337, 0.505, 0.619, 0.694, 0.767, 0.923];
    const measured = [
      [0.38, 0.51, 0.51],
      [0.08, 0.21, 0.08],
      [0.21, 0.27, 0.32],
      [0.58, 0.51, 0.43],
      [0.74, 0.78, 0.64],
      [0.85, 0.84, 0.78],
      [0.93, 0.99, 0.93],
    ];
    const curve = fitResponse(inputs, measured);
    assert.deepEqual(curve.inputs, inputs.slice(1));
    assert.equal(invertResponse(0.05, curve), 0.337);
    assert.ok(Math.abs(curve.outputs[0] - 0.1233) < 1e-3, `${curve.outputs[0]}`);
    // The same at the top: an input past the one that measured highest is dropped.
    const top = fitResponse([0.1, 0.5, 0.9], [[0.1], [0.8], [0.6]]);
    assert.deepEqual(top.inputs, [0.1, 0.5]);
    // A model that runs the wrong way keeps its whole range (too flat to invert, or refused).
    assert.deepEqual(fitResponse([0.1, 0.5, 0.9], [[0.9], [0.5], [0.1]]).inputs, [0.1, 0.5, 0.9]);
  });

  it('the condition vector asks the model for what made the target, where it follows the slot', () => {
    const manifest = {
      condition: {
        kind: 'affect',
        names: ['pace', 'loudness'],
        response: {
          // loudness: the model makes music quieter than asked (0.6 → 0.3)
          loudness: { inputs: [0.2, 0.6, 0.9], outputs: [0.0, 0.3, 0.8] },
          // pace: flat, so it is not inverted
          pace: { inputs: [0.2, 0.9], outputs: [0.5, 0.55] },
        },
      },
    } as unknown as ModelManifest;
    const targets = conditionTargets({}, manifest, { loudness: 0.5 });
    const given = conditionVector({}, manifest, { loudness: 0.5 });
    const curve = manifest.condition.response!.loudness!;
    assert.ok(Math.abs(invertResponse(targets[1], curve) - given[1]) < 1e-6);
    assert.ok(given[1] > targets[1] + 0.05, `given ${given[1]} for target ${targets[1]}`);
    assert.equal(given[0], targets[0]);
  });
});
