// Music-side affect descriptors move the right way on music whose parameters we set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSignal } from '../../src/analysis/music-analysis.js';
import { AFFECT_NAMES, affectVector } from '../../src/conditions/affect.js';
import { musicAffect } from '../../src/conditions/music-affect.js';
import { clicks, noise, note } from '../../src/synth/signals.js';
import { reference } from '../helpers/reference.js';

const SR = 22050;

/**
 * A 10 s piece: chords (MIDI notes; a progression cycles) struck every `beatS` seconds at
 * `gain`, over a click on each beat, with a linear gain ramp.
 */
function piece(
  chords: number[] | number[][],
  beatS: number,
  gain = 0.3,
  ramp: [number, number] = [1, 1],
): Float32Array {
  const progression = Array.isArray(chords[0]) ? (chords as number[][]) : [chords as number[]];
  const n = 10 * SR;
  const y = new Float32Array(n);
  const hits = progression.map((chord) =>
    chord.map((m) => note(m, beatS, SR, gain / chord.length)),
  );
  for (let k = 0, t = 0; t < n; k++, t += Math.round(beatS * SR)) {
    for (const h of hits[k % hits.length]) {
      for (let i = 0; i < h.length && t + i < n; i++) y[t + i] += h[i] * Math.exp(-i / (0.3 * SR));
    }
  }
  const beats = clicks(
    Array.from({ length: Math.floor(10 / beatS) }, (_, i) => i * beatS),
    10,
    SR,
  );
  for (let i = 0; i < n; i++) {
    const g = ramp[0] + ((ramp[1] - ramp[0]) * i) / n;
    y[i] = (y[i] + 0.2 * gain * beats[i]) * g;
  }
  return y;
}

const affect = (x: Float32Array) => musicAffect(analyzeSignal(x));

describe('musicAffect', () => {
  const C_MAJOR = [60, 64, 67];
  const C_MINOR = [60, 63, 67];

  it('gives every descriptor in [0, 1], in a fixed vector order', () => {
    const a = affect(piece(C_MAJOR, 0.5));
    const v = affectVector(a);
    assert.equal(v.length, AFFECT_NAMES.length);
    for (const [i, k] of AFFECT_NAMES.entries()) {
      assert.ok(a[k] >= 0 && a[k] <= 1, `${k} = ${a[k]}`);
      assert.equal(v[i], Math.fround(a[k]));
    }
  });

  it('noisiness: white noise near its theoretical level, a chord far below, as the training labels it', () => {
    // A periodogram's bins of white noise are exponential: geometric / arithmetic mean e^−γ,
    // so the level is (log10 e^−γ + 3) / 3 ≈ 0.916.
    const white = noise(SR * 4, 7, 0.3);
    const expected = (Math.log10(Math.exp(-0.5772156649)) + 3) / 3;
    const a = analyzeSignal(white);
    const level = musicAffect(a).noisiness;
    assert.ok(Math.abs(level - expected) < 0.02, `white noise ${level} vs ${expected}`);
    const chord = analyzeSignal(piece(C_MAJOR, 2));
    assert.ok(musicAffect(chord).noisiness < 0.5, `chord ${musicAffect(chord).noisiness}`);
    for (const m of [a, chord]) {
      const ref = reference<{ level: number }>('training_noisiness', {}, { x: m.audio });
      assert.ok(
        Math.abs(musicAffect(m).noisiness - ref.level) < 1e-4,
        `${musicAffect(m).noisiness} vs ${ref.level}`,
      );
    }
  });

  it('pace rises with the onset rate', () => {
    const slow = affect(piece(C_MAJOR, 1.0));
    const fast = affect(piece(C_MAJOR, 0.25));
    assert.ok(fast.pace > slow.pace + 0.2, `slow ${slow.pace}, fast ${fast.pace}`);
    assert.ok(fast.arousal > slow.arousal, 'faster is more aroused');
  });

  it('loudness and arousal rise with level', () => {
    const quiet = affect(piece(C_MAJOR, 0.5, 0.03));
    const loud = affect(piece(C_MAJOR, 0.5, 0.6));
    assert.ok(
      loud.loudness > quiet.loudness + 0.3,
      `quiet ${quiet.loudness}, loud ${loud.loudness}`,
    );
    assert.ok(loud.arousal > quiet.arousal);
  });

  it('a major progression reads as major and more positive than a minor one', () => {
    // I–IV–V–I in C major against i–iv–v–i in C minor (a lone triad is key-ambiguous).
    const major = affect(piece([C_MAJOR, [60, 65, 69], [59, 62, 67], C_MAJOR], 0.5));
    const minor = affect(piece([C_MINOR, [60, 65, 68], [59, 62, 67], C_MINOR], 0.5));
    assert.ok(major.mode > 0.5 && minor.mode < 0.5, `major ${major.mode}, minor ${minor.mode}`);
    assert.ok(major.valence > minor.valence);
    assert.ok(minor.tension > major.tension);
  });

  it('high registers are brighter than low ones', () => {
    const low = affect(piece([36, 40, 43], 0.5));
    const high = affect(piece([84, 88, 91], 0.5));
    assert.ok(
      high.brightness > low.brightness + 0.3,
      `low ${low.brightness}, high ${high.brightness}`,
    );
  });

  it('a crescendo is more tense than a diminuendo', () => {
    const up = affect(piece(C_MAJOR, 0.5, 0.3, [0.1, 1]));
    const down = affect(piece(C_MAJOR, 0.5, 0.3, [1, 0.1]));
    assert.ok(up.tension > down.tension, `up ${up.tension}, down ${down.tension}`);
    assert.ok(up.dynamicRange > 0.3);
  });

  it('a cluster is denser than a single note', () => {
    const single = affect(piece([64], 0.5));
    const cluster = affect(piece([60, 61, 62, 63, 64, 65], 0.5));
    assert.ok(
      cluster.density > single.density + 0.2,
      `single ${single.density}, cluster ${cluster.density}`,
    );
  });
});
