// The analysis pipeline: threads change nothing, and it agrees with the feature functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSignal, analyzeSignalParallel } from '../src/analysis/music-analysis.js';
import { dynamicsControl } from '../src/features/dynamics.js';
import { logMelSpectrogram } from '../src/features/mel.js';
import { melodyControl } from '../src/features/melody.js';
import { detectOnsets } from '../src/features/onset.js';
import { resample } from '../src/features/resample.js';
import { clicks, concat, noise, note } from '../src/synth/signals.js';

const SR = 22050;
// 30 s (above the parallel threshold): notes, clicks and a little noise.
const notes = concat(Array.from({ length: 60 }, (_, i) => note(48 + ((i * 7) % 24), 0.5, SR)));
const hits = clicks(
  Array.from({ length: 50 }, (_, i) => 0.3 + i * 0.59),
  30,
  SR,
);
const hiss = noise(notes.length, 4, 0.01);
const x = notes.map((v, i) => v + 0.5 * hits[i] + hiss[i]);

describe('analyzeSignal', () => {
  it('gives the same result on two threads as on one', async () => {
    const one = analyzeSignal(x);
    const two = await analyzeSignalParallel(x, 2);
    assert.deepEqual(two.logMel.data, one.logMel.data);
    assert.deepEqual(two.melody, one.melody);
    assert.deepEqual(two.dynamics, one.dynamics);
    assert.deepEqual(two.onsets, one.onsets);
    assert.equal(two.tempo, one.tempo);
    assert.deepEqual(two.beats, one.beats);
  });

  it('equals the separate feature functions (one front end, no drift)', () => {
    const a = analyzeSignal(x);
    const x16 = resample(x, SR, 16000);
    assert.deepEqual(a.logMel.data, logMelSpectrogram(x16).data);
    assert.deepEqual(a.melody, melodyControl(x16));
    assert.deepEqual(a.dynamics, dynamicsControl(x16));
    assert.deepEqual(a.onsets, detectOnsets(x));
    assert.equal(a.frameRate, 100);
    assert.equal(a.melody.length, a.logMel.frames);
  });
});
