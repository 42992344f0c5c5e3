import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITER_CEILING, PeakLimiter } from '../../src/decoder/limiter.js';

const SR = 16000;
const sine = (n: number, amp: number, hz = 220): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / SR));
const peak = (x: Float32Array): number => x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);

describe('peak limiter', () => {
  it('leaves a score below the ceiling exactly as it is', () => {
    const x = sine(SR, 0.8);
    const y = new PeakLimiter(SR).process(Float32Array.from(x), 0);
    assert.deepEqual(y, x);
  });

  it('holds a 3× over-full-scale passage under −1 dBFS, by gain (not by clipping)', () => {
    const x = sine(SR, 3);
    const y = new PeakLimiter(SR).process(Float32Array.from(x), 0);
    assert.ok(peak(y) <= LIMITER_CEILING + 1e-6, `peak ${peak(y)}`);
    // Gain, not clipping: past the first look-ahead the output is the sine scaled, its shape
    // intact (a clipped sine would have flat tops: many samples at the ceiling).
    const tail = y.subarray(SR / 2);
    const atCeiling = tail.filter((v) => Math.abs(v) > LIMITER_CEILING - 1e-4).length;
    assert.ok(atCeiling < tail.length * 0.02, `${atCeiling} samples at the ceiling`);
    const ratio = peak(tail) / 3;
    assert.ok(Math.abs(ratio - LIMITER_CEILING / 3) < 0.01, `gain ${ratio}`);
  });

  it('ramps down before a lone peak and back up after it: no step in the gain', () => {
    const x = sine(SR, 0.3);
    x[8000] = 4; // a spike
    const y = new PeakLimiter(SR, { lookaheadS: 0.005, releaseS: 0.05 }).process(
      Float32Array.from(x),
      0,
    );
    assert.ok(Math.abs(y[8000]) <= LIMITER_CEILING + 1e-6);
    const gain = Array.from(y, (v, i) => (Math.abs(x[i]) > 0.05 && i !== 8000 ? v / x[i] : NaN));
    let steepest = 0;
    let prev = NaN;
    for (const g of gain) {
      if (Number.isFinite(g) && Number.isFinite(prev))
        steepest = Math.max(steepest, Math.abs(g - prev));
      if (Number.isFinite(g)) prev = g;
    }
    // The fall is spread over the 80-sample look-ahead: (1 − 0.891/4) / 81 ≈ 0.0096 per sample
    // (a few samples apart at most, where the sine is near zero).
    assert.ok(steepest < 0.05, `steepest gain step ${steepest}`);
    // Well before and after, untouched.
    assert.equal(y[7000], x[7000]);
    // After seven release time constants the gain is back to 1 (within 0.1 %).
    const later = 8000 + 6000 + 9; // a sample where the sine is well away from zero
    assert.ok(Math.abs(x[later]) > 0.1);
    assert.ok(Math.abs(y[later] / x[later] - 1) < 1e-3, `${y[later] / x[later]}`);
  });

  it('streams: consecutive stretches carry the gain; the ceiling holds at every join', () => {
    const x = sine(4 * SR, 2.5, 97);
    const whole = new PeakLimiter(SR).process(Float32Array.from(x), 0);
    const limiter = new PeakLimiter(SR);
    const parts: Float32Array[] = [];
    for (let at = 0; at < x.length; at += 7919) {
      parts.push(limiter.process(x.slice(at, at + 7919), at));
    }
    const joined = new Float32Array(x.length);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    assert.ok(peak(joined) <= LIMITER_CEILING + 1e-6);
    // Away from the joins (where a stretch cannot look into the next), the streamed gain is
    // the one-shot gain: it was carried across.
    const L = Math.round(0.005 * SR);
    let worst = 0;
    for (let i = SR; i < x.length; i++) {
      const fromJoin = i % 7919;
      if (fromJoin < 2 * L || fromJoin > 7919 - L) continue;
      worst = Math.max(worst, Math.abs(joined[i] - whole[i]));
    }
    assert.ok(worst < 1e-3, `streamed vs whole ${worst}`);
  });
});
