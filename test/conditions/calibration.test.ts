import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  affectQuantiles,
  calibrateLevels,
  CALIBRATION_POINTS,
  levelToQuantile,
  quantileTable,
} from '../../src/conditions/calibration.js';
import { AFFECT_NAMES } from '../../src/conditions/affect.js';
import { reference } from '../helpers/reference.js';

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const u = s / 2147483648;
    return u * u; // skewed towards 0, like a real descriptor
  });
}

describe('affect calibration (quantile matching)', () => {
  it('takes the same quantiles as numpy.percentile', () => {
    const x = seeded(997, 11);
    const table = quantileTable(x);
    const percentiles = Array.from(
      { length: CALIBRATION_POINTS },
      (_, i) => 100 * (0.02 + (0.96 * i) / (CALIBRATION_POINTS - 1)),
    );
    const { q } = reference<{ q: number[] }>('percentile', { percentiles }, { x });
    table.forEach((v, i) => assert.ok(Math.abs(v - q[i]) < 1e-9, `${i}: ${v} vs ${q[i]}`));
  });

  it('maps a level to the music quantile: median for 0.5, trimmed ends, monotone', () => {
    const x = seeded(2001, 5);
    const sorted = Float32Array.from(x).sort();
    const table = quantileTable(x);
    assert.ok(Math.abs(levelToQuantile(0.5, table) - sorted[1000]) < 1e-9);
    assert.equal(levelToQuantile(0, table), table[0]);
    assert.equal(levelToQuantile(1, table), table[CALIBRATION_POINTS - 1]);
    assert.equal(levelToQuantile(7, table), table[CALIBRATION_POINTS - 1]);
    // Halfway between two table points is halfway between their values.
    const mid = levelToQuantile(0.025, table);
    assert.ok(Math.abs(mid - (table[0] + table[1]) / 2) < 1e-12);
    let prev = -Infinity;
    for (let l = 0; l <= 1; l += 0.01) {
      const v = levelToQuantile(l, table);
      assert.ok(v >= prev);
      prev = v;
    }
  });

  it('calibrates each descriptor with its own table, and levels uniform over clips match the music', () => {
    const vectors = Array.from({ length: 500 }, (_, i) =>
      Float32Array.from(AFFECT_NAMES, (_, k) => ((i * (k + 3)) % 500) / 500 / (k + 1)),
    );
    const q = affectQuantiles(vectors);
    const out = calibrateLevels({ pace: 0.5, tension: 0.5 }, q);
    assert.ok(Math.abs(out.pace - 0.5 / 2) < 0.01, `pace ${out.pace}`);
    assert.ok(Math.abs(out.tension - 0.5 / 5) < 0.01, `tension ${out.tension}`);
    // Uniform levels over many films → the calibrated values follow the music's distribution.
    const levels = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const paces = levels.map((l) => calibrateLevels({ pace: l }, q).pace).sort((a, b) => a - b);
    const musicPace = vectors.map((v) => v[1]).sort((a, b) => a - b);
    const median = (v: number[]): number => v[Math.floor(v.length / 2)];
    assert.ok(Math.abs(median(paces) - median(musicPace)) < 0.01);
  });
});
