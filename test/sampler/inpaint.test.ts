import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatentPaster, matchColour } from '../../src/sampler/inpaint.js';

const C = 3;
const F = 40;

/** Channel c, frame f: level[c] + a small ripple, [C × F]. */
function latentWith(level: (c: number, f: number) => number): Float32Array {
  const x = new Float32Array(C * F);
  for (let c = 0; c < C; c++)
    for (let f = 0; f < F; f++) x[c * F + f] = level(c, f) + 0.1 * Math.sin(f + c);
  return x;
}

function meanOf(x: Float32Array, c: number, from: number, to: number): number {
  let s = 0;
  for (let f = from; f < to; f++) s += x[c * F + f];
  return s / (to - from);
}

describe('inpainting', () => {
  it('pastes known frames at the noise level asked, clean at ᾱ = 1, and leaves the rest', () => {
    const target = latentWith((c) => c + 1);
    const known = new Uint8Array(F);
    known.fill(1, 0, 10);
    const paster = new LatentPaster({ latent: target, known }, C, 7);
    const x = new Float32Array(C * F).fill(5);
    paster.paste(x, 1);
    for (let c = 0; c < C; c++) {
      for (let f = 0; f < 10; f++) assert.equal(x[c * F + f], target[c * F + f]);
      for (let f = 10; f < F; f++) assert.equal(x[c * F + f], 5);
    }
    // At ᾱ = 0.25: 0.5·x0 + √0.75·ε, ε of unit spread (over the 30 known values).
    paster.paste(x, 0.25);
    let s = 0;
    let n = 0;
    for (let c = 0; c < C; c++) {
      for (let f = 0; f < 10; f++) {
        s += ((x[c * F + f] - 0.5 * target[c * F + f]) / Math.sqrt(0.75)) ** 2;
        n++;
      }
    }
    assert.ok(Math.abs(Math.sqrt(s / n) - 1) < 0.35, `ε spread ${Math.sqrt(s / n)}`);
    assert.throws(
      () => new LatentPaster({ latent: new Float32Array(5), known }, C, 0),
      /known latent has 5 values/,
    );
  });

  it('shifts the new frames so their colour continues the known frames beside them', () => {
    // Known 0–9 at level c; new frames 10–39 drifted to level c + 2.
    const known = new Uint8Array(F);
    known.fill(1, 0, 10);
    const x = latentWith((c, f) => (f < 10 ? c : c + 2));
    const before = x.slice();
    matchColour(x, known, C, { frames: 8, decay: Infinity });
    for (let c = 0; c < C; c++) {
      assert.ok(Math.abs(meanOf(x, c, 10, 18) - meanOf(x, c, 2, 10)) < 1e-5, 'edge means agree');
      assert.ok(Math.abs(meanOf(x, c, 30, 40) - c) < 0.1, 'the whole new part moved');
      for (let f = 0; f < 10; f++)
        assert.equal(x[c * F + f], before[c * F + f], 'known frames kept');
      // Only the mean moves: the ripple is the model's and stays.
      assert.ok(
        Math.abs(x[c * F + 21] - x[c * F + 20] - (before[c * F + 21] - before[c * F + 20])) < 1e-6,
      );
    }
    // With a decay the shift fades: far from the edge the new part keeps its own level.
    const y = latentWith((c, f) => (f < 10 ? c : c + 2));
    matchColour(y, known, C, { frames: 8, decay: 3 });
    assert.ok(Math.abs(meanOf(y, 1, 30, 40) - 3) < 0.1);
  });

  it('with known frames on both sides (a loop’s last window), meets each side', () => {
    const known = new Uint8Array(F);
    known.fill(1, 0, 10);
    known.fill(1, 30, 36); // 36–39: the window's padding, neither known nor new
    const x = latentWith((c, f) => (f < 10 ? 0 : f < 30 ? 1 : -1));
    matchColour(x, known, C, { frames: 5, decay: Infinity, end: 36 });
    for (let c = 0; c < C; c++) {
      assert.ok(Math.abs(meanOf(x, c, 10, 12) - 0) < 0.25, 'starts at the left colour');
      assert.ok(Math.abs(meanOf(x, c, 28, 30) - -1) < 0.25, 'ends at the right colour');
    }
  });
});
