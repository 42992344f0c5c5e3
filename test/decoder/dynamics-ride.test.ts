import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RIDE_MAX_GAIN_DB, rideDynamics } from '../../src/decoder/dynamics-ride.js';
import { dynamicsControl } from '../../src/features/dynamics.js';

// The ride's promise is read two ways: by the dynamics reader it inverts, and independently of
// it by plain sample RMS over 0.25 s blocks (for a steady tone the STFT energy in dB and the
// RMS in dB differ by a constant, so their changes must agree).
const SR = 16000;
const HOP = 160;
const sine = (n: number, amp: (i: number) => number, hz = 330): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp(i) * Math.sin((2 * Math.PI * hz * i) / SR));
const blockDb = (x: Float32Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / (to - from));
};
const mean = (v: ArrayLike<number>): number => Array.from(v).reduce((a, b) => a + b, 0) / v.length;

describe('dynamics ride', () => {
  const n = 10 * SR;
  const frames = n / HOP + 1;
  // A phrase-level swell: 20 dB peak to peak over an 8 s period.
  const swell = (t: number) => 10 * Math.sin((2 * Math.PI * t * HOP) / (8 * SR));

  it("brings a steady tone to a swelling reference's level", () => {
    // The reference: a tone 6 dB up and swelling; its dynamics read as any reference's are.
    const reference = sine(n, (i) => 0.2 * 10 ** (swell(i / HOP) / 20), 440);
    const target = dynamicsControl(reference);
    const x = sine(n, () => 0.1);
    const y = rideDynamics(x, target);
    const read = dynamicsControl(y);
    // Measured: 0.016 dB worst after the solve (0.19 dB with its first guess alone).
    let worst = 0;
    for (let t = 0; t < frames; t++) worst = Math.max(worst, Math.abs(read[t] - target[t]));
    assert.ok(worst < 0.1, `dynamics reader: worst error ${worst.toFixed(3)} dB`);
    // Independently: block by block, the ridden tone's RMS is the reference's (0.19 dB worst).
    for (let b = 0; b < 40; b += 3) {
      const from = (b * SR) / 4;
      const apart = blockDb(y, from, from + SR / 4) - blockDb(reference, from, from + SR / 4);
      assert.ok(Math.abs(apart) < 0.4, `block ${b}: ${apart.toFixed(2)} dB from the reference`);
    }
  });

  it('flattens a tone that swells by itself when the reference is steady', () => {
    const x = sine(n, (i) => 0.1 * 10 ** (swell(i / HOP) / 20));
    const level = mean(dynamicsControl(x));
    const y = rideDynamics(x, new Float32Array(frames).fill(level));
    const blocks = Array.from({ length: 32 }, (_, b) =>
      blockDb(y, ((b + 4) * SR) / 4, ((b + 5) * SR) / 4),
    );
    const spread = Math.max(...blocks) - Math.min(...blocks);
    assert.ok(spread < 1.5, `blocks spread over ${spread.toFixed(2)} dB (the input over 20 dB)`);
  });

  it(`lifts no more than ${RIDE_MAX_GAIN_DB} dB and applies part of the way when asked`, () => {
    const x = sine(n, () => 0.001);
    const level = mean(dynamicsControl(x));
    const far = rideDynamics(x, new Float32Array(frames).fill(level + 60));
    const lift = blockDb(far, 4 * SR, 5 * SR) - blockDb(x, 4 * SR, 5 * SR);
    assert.ok(Math.abs(lift - RIDE_MAX_GAIN_DB) < 0.3, `lifted ${lift.toFixed(2)} dB`);
    const half = rideDynamics(x, new Float32Array(frames).fill(level + 10), { amount: 0.5 });
    const halfLift = blockDb(half, 4 * SR, 5 * SR) - blockDb(x, 4 * SR, 5 * SR);
    assert.ok(Math.abs(halfLift - 5) < 0.3, `half the way: lifted ${halfLift.toFixed(2)} dB`);
    assert.deepEqual(rideDynamics(x, new Float32Array(frames), { amount: 0 }), x);
  });
});
