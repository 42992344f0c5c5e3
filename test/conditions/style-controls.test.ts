// S-Control's reference controls: a reference read on the model's frame grid, windows cut from
// it (looping or padded), and the refusals a user meets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  controlFrames,
  controlWindow,
  NO_PITCH,
  parseControls,
  styleControlsOf,
} from '../../src/conditions/style-controls.js';
import { concat, note } from '../../src/synth/signals.js';

describe('style controls', () => {
  const sr = 16000;
  // C4 for 1 s then A4 for 1 s: the melody control reads pitch class 0, then 9.
  const tune = concat([note(60, 1, sr), note(69, 1, sr)]);

  it('reads the melody and dynamics of a reference at 100 frames/s', () => {
    const c = styleControlsOf(tune, sr, ['melody', 'dynamics']);
    assert.equal(controlFrames(c), 201); // centred frames of 2 s at hop 160
    const share = (from: number, to: number, pc: number): number =>
      Array.from(c.melody!.subarray(from, to)).filter((v) => v === pc).length / (to - from);
    assert.ok(share(10, 90, 0) > 0.9, `C during the first second: ${share(10, 90, 0)}`);
    assert.ok(share(110, 190, 9) > 0.9, `A during the second: ${share(110, 190, 9)}`);
    assert.equal(c.dynamics!.length, 201);
    const only = styleControlsOf(tune, sr, ['dynamics']);
    assert.equal(only.melody, undefined);
    assert.deepEqual(only.dynamics, c.dynamics);
  });

  it('cuts windows: looping a short reference, or padding past its end', () => {
    const c = { melody: Uint8Array.of(1, 2, 3), dynamics: Float32Array.of(10, 20, 30) };
    const looped = controlWindow(c, 2, 5, true);
    assert.deepEqual(Array.from(looped.melody!), [3, 1, 2, 3, 1]);
    assert.deepEqual(Array.from(looped.dynamics!), [30, 10, 20, 30, 10]);
    const padded = controlWindow(c, 1, 4);
    assert.deepEqual(Array.from(padded.melody!), [2, 3, NO_PITCH, NO_PITCH]);
    assert.deepEqual(Array.from(padded.dynamics!), [20, 30, 30, 30]);
    assert.equal(controlWindow({ dynamics: c.dynamics }, 0, 2).melody, undefined);
  });

  it('refuses a silent reference and unknown control names', () => {
    assert.throws(
      () => styleControlsOf(new Float32Array(sr), sr, ['melody']),
      /is silent .* Give a piece of music/,
    );
    assert.deepEqual(parseControls('dynamics, melody,dynamics'), ['dynamics', 'melody']);
    assert.throws(() => parseControls('melody,timbre'), /unknown control "timbre"/);
    assert.throws(() => parseControls(' , '), /give melody, dynamics or both/);
  });
});
