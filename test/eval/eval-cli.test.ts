import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeWav } from '../../src/media/wav.js';
import { clicks, note } from '../../src/synth/signals.js';
import { filmscoreJson, runFilmscore } from '../helpers/cli.js';
import { tempDir } from '../helpers/media.js';

const SR = 22050;

function mix(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(Math.max(a.length, b.length));
  out.set(a);
  for (let i = 0; i < b.length; i++) out[i] += b[i];
  return out;
}

// The generated folder against the reference folder, as every test below calls it.
const GEN_VS_REF = ['--generated', 'gen', '--reference', 'ref'];

describe('filmscore eval', () => {
  it('pairs by name, lists the unpaired, and reports rhythm, FAD and control fidelity', async () => {
    const dir = tempDir();
    for (const d of ['gen', 'ref', 'ctl']) mkdirSync(join(dir, d));
    // Pair "a": the hand-worked clip of the unit tests (BCS 3/4, BHS 3/4); pair "b": BCS 1/4, BHS 1.
    // One held note (its only onset at 0 s, in a slot the clicks already fill).
    const tune = note(60, 6, SR, 0.2);
    const genA = mix(tune, clicks([0.5, 1.5, 3.2, 3.7, 5.1], 6, SR));
    await writeWav(join(dir, 'gen', 'a.wav'), [genA], SR);
    await writeWav(join(dir, 'ref', 'a.wav'), [clicks([0.3, 2.4, 3.9, 5.5, 7.2], 8, SR)], SR);
    await writeWav(join(dir, 'gen', 'b.wav'), [clicks([0.1, 1.1, 2.1, 3.1], 4, SR)], SR);
    await writeWav(join(dir, 'ref', 'b.wav'), [clicks([1.5], 4, SR)], SR);
    await writeWav(join(dir, 'gen', 'c.wav'), [clicks([0.5], 3, SR)], SR);
    await writeWav(join(dir, 'ref', 'd.wav'), [clicks([0.5], 3, SR)], SR);
    // The control of "a" is "a" itself: melody accuracy 100 %, dynamics r = 1.
    await writeWav(join(dir, 'ctl', 'a.wav'), [genA], SR);
    const j = filmscoreJson(dir, 'eval', ...GEN_VS_REF, '--controls', 'ctl', '--json', '-q');
    assert.equal(j.generated, 3);
    assert.deepEqual(j.unpaired, { reference: ['c', 'd'], video: [], controls: ['b', 'c'] });
    assert.equal(j.rhythm.clips, 2);
    assert.ok(Math.abs(j.BCS - (0.75 + 0.25) / 2) < 1e-9, `BCS ${j.BCS}`);
    assert.ok(Math.abs(j.BHS - (0.75 + 1) / 2) < 1e-9, `BHS ${j.BHS}`);
    const f1 = (2 * 0.5 * 0.875) / (0.5 + 0.875);
    assert.ok(Math.abs(j.F1 - f1) < 1e-9);
    assert.ok(Math.abs(j.CSD - Math.sqrt(((0.75 - 0.5) ** 2 + (0.25 - 0.5) ** 2) / 1)) < 1e-9);
    assert.ok(Number.isFinite(j.FAD) && j.fadEmbedding === 'filmscore-style');
    assert.ok(j.KL > 0 && Number.isFinite(j.KL), `KL ${j.KL}`); // two pairs of different clips
    assert.equal(j.IS, null); // fewer than 10 generated clips
    assert.equal(j.audioModel.name, 'filmscore-style');
    assert.equal(j.melodyAcc, 1);
    assert.ok(Math.abs(j.dynamicsCorrMicro - 1) < 1e-9 && Math.abs(j.dynamicsCorrMacro - 1) < 1e-9);
    const table = runFilmscore(dir, 'eval', '--generated', 'gen', '--reference', 'ref', '-q');
    assert.match(table.stdout, /BCS 50\.0 {2}CSD 35\.4 {2}BHS 87\.5/);
    assert.match(table.stdout, /unpaired in reference: c, d/);
    const missing = runFilmscore(dir, 'eval', '--generated', 'nowhere', '-q');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /folder not found/);
  });

  it('KL and FAD vanish for a set against itself; IS lies between 1 and the class count', async () => {
    const dir = tempDir();
    for (const d of ['gen', 'ref']) mkdirSync(join(dir, d));
    for (let k = 0; k < 10; k++) {
      const x = mix(note(48 + 3 * k, 2, 16000, 0.2), clicks([0.25 * (k + 1)], 2, 16000));
      for (const d of ['gen', 'ref']) await writeWav(join(dir, d, `${k}.wav`), [x], 16000);
    }
    for (const model of ['filmscore-style', 'mfcc-stats']) {
      const j = filmscoreJson(dir, 'eval', ...GEN_VS_REF, '--audio-model', model, '--json', '-q');
      assert.equal(j.fadEmbedding, model);
      // Zero up to the matrix square root of a rank-deficient covariance (10 clips, 128-d).
      assert.ok(Math.abs(j.FAD) < 1e-3, `${model}: FAD ${j.FAD}`);
      if (model === 'mfcc-stats') {
        assert.equal(j.KL, null); // not a classifier
        continue;
      }
      assert.ok(Math.abs(j.KL) < 1e-4, `KL ${j.KL}`); // only the 1e-6 guard inside the log
      assert.ok(j.IS >= 1 && j.IS <= 4, `IS ${j.IS}`);
    }
  });

  it('scores the music against a video: its cut and nothing where the picture is still', async () => {
    const dir = tempDir();
    for (const d of ['gen', 'films']) mkdirSync(join(dir, d));
    // Red for 2.4 s, then blue: one cut, no other motion.
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=160x90:r=25:d=2.4'],
      ...['-f', 'lavfi', '-i', 'color=c=blue:s=160x90:r=25:d=2.6'],
      ...['-filter_complex', '[0:v][1:v]concat=n=2:v=1[v]', '-map', '[v]'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'films', 'x.mp4')],
    ]);
    // Onsets in slots 0 and 2: the second meets the cut (BCS 1/2, BHS 1/1).
    await writeWav(join(dir, 'gen', 'x.wav'), [clicks([0.5, 2.6], 5, SR)], SR);
    const j = filmscoreJson(
      dir,
      'eval',
      '--generated',
      'gen',
      '--video',
      'films',
      '--audio-model',
      'mfcc-stats',
      '--json',
      '-q',
    );
    assert.equal(j.rhythmVideo.clips, 1);
    assert.equal(j.rhythmVideo.BCS, 0.5);
    assert.equal(j.rhythmVideo.BHS, 1);
  });
});
