import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinWindows, planWindows } from '../../src/score/score-video.js';
import { makeClip, probeField, tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';
import { decodeAudio } from '../../src/media/audio-decode.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return 2 * (s / 2147483648) - 1;
  });
}

function rms(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i] * x[i];
  return Math.sqrt(e / (to - from));
}

describe('windows', () => {
  it('plans one window for a short video, overlapping windows ending at the end for a long one', () => {
    assert.deepEqual(planWindows(5, 10.24, 1), [0]);
    assert.deepEqual(planWindows(10.24, 10.24, 1), [0]);
    const w = planWindows(25, 10.24, 1);
    assert.equal(w.length, 3);
    assert.equal(w[0], 0);
    assert.ok(Math.abs(w[1] - 9.24) < 1e-9);
    assert.ok(Math.abs(w[2] - (25 - 10.24)) < 1e-9);
    // Every instant is covered, and consecutive windows overlap by at least the crossfade.
    for (let k = 1; k < w.length; k++) assert.ok(w[k - 1] + 10.24 - w[k] >= 1 - 1e-9);
  });

  it('joins windows with an equal-power crossfade: no gap, no dip, exact length', () => {
    const a = noise(1000, 1);
    const b = noise(1000, 2);
    const y = joinWindows(
      [
        { offset: 0, audio: a },
        { offset: 800, audio: b },
      ],
      1700,
    );
    assert.equal(y.length, 1700);
    assert.equal(y[0], a[0]);
    assert.equal(y[799], a[799]);
    assert.equal(y[1699], b[899]);
    // Uncorrelated signals: power through the 200-sample overlap stays that of either side.
    const inside = rms(y, 820, 980);
    const outside = rms(y, 0, 800);
    assert.ok(Math.abs(inside / outside - 1) < 0.15, `${inside} vs ${outside}`);
    // The fade runs from the first window to the second.
    assert.ok(Math.abs(y[801] - a[801]) < Math.abs(y[801] - b[1]));
    assert.ok(Math.abs(y[998] - b[198]) < Math.abs(y[998] - a[998]));
  });
});

describe('filmscore score', () => {
  const dir = tempDir();
  const model = join(dir, 'tiny-model');
  reference('export_tiny_generator', { out: model, seed: 0 });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const filmscore = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });

  it('scores a video longer than a window: the picture kept, the score exactly as long', async () => {
    const clip = makeClip(join(dir, 'clip.mp4'), {
      durationS: 12.5,
      video: 'testsrc2',
      toneHz: 440,
    });
    const r = filmscore(
      'score',
      clip,
      '-o',
      'out.mp4',
      '--model',
      model,
      '--steps',
      '2',
      '--wav',
      'score.wav',
      '--json',
      '-q',
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.windows.length, 2);
    assert.equal(j.steps, 2);
    assert.equal(j.scheduler, 'dpm-solver++');
    for (const w of j.windows) {
      assert.equal(w.condition.length, 6);
      for (const k of ['brightness', 'pace', 'valence', 'arousal', 'tension', 'loudness']) {
        assert.ok(w.levels[k] >= 0 && w.levels[k] <= 1);
      }
    }
    const video = Number(probeField(join(dir, 'out.mp4'), 'v:0', 'duration'));
    const audio = Number(probeField(join(dir, 'out.mp4'), 'a:0', 'duration'));
    assert.ok(Math.abs(video - 12.5) < 0.05);
    assert.ok(Math.abs(audio - video) <= 1024 / 16000 + 1e-6, `audio ${audio} vs video ${video}`);
    const wav = await decodeAudio(join(dir, 'score.wav'), { sampleRate: 16000, channels: 1 });
    // The score itself is cut to the picture's length (the stream's duration as probed).
    assert.ok(Math.abs(wav.channels[0].length - video * 16000) <= 1, `${wav.channels[0].length}`);
    assert.ok(!existsSync(join(dir, '.out.mp4.score.wav')), 'no temporary WAV left behind');
  });

  it('--mood overrides the film, --seed changes the score, --mix keeps the original sound', () => {
    const clip = makeClip(join(dir, 'short.mp4'), { durationS: 3, video: 'testsrc2', toneHz: 440 });
    const a = JSON.parse(
      filmscore(
        'score',
        clip,
        '-o',
        'a.mp4',
        '--model',
        model,
        '--steps',
        '2',
        '--mood',
        'pace=1,tension=0',
        '--json',
        '-q',
      ).stdout,
    );
    assert.equal(a.windows[0].levels.pace, 1);
    assert.equal(a.windows[0].levels.tension, 0);
    const mixed = filmscore(
      'score',
      clip,
      '-o',
      'm.mp4',
      '--model',
      model,
      '--steps',
      '1',
      '--mix',
      '-q',
    );
    assert.equal(mixed.status, 0, mixed.stderr);
    assert.match(mixed.stdout, /m\.mp4: 3\.00 s scored in 1 window/);
  });

  it('bad input is a clear error', () => {
    const clip = join(dir, 'short.mp4');
    const steps = filmscore(
      'score',
      clip,
      '-o',
      'x.mp4',
      '--model',
      model,
      '--steps',
      'many',
      '-q',
    );
    assert.equal(steps.status, 2);
    assert.match(steps.stderr, /--steps must be a whole number/);
    const mood = filmscore('score', clip, '-o', 'x.mp4', '--model', model, '--mood', 'joy=1', '-q');
    assert.equal(mood.status, 2);
    assert.match(mood.stderr, /not a condition of this model/);
    const noModel = filmscore('score', clip, '-o', 'x.mp4', '--model', 'nowhere', '-q');
    assert.equal(noModel.status, 2);
    assert.match(noModel.stderr, /model folder not found/);
    const audioOnly = join(dir, 'tone.wav');
    makeClip(audioOnly, { durationS: 1, toneHz: 440 });
    const r = filmscore('score', audioOnly, '-o', 'x.mp4', '--model', model, '-q');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no video stream/);
    assert.ok(!existsSync(join(dir, 'x.mp4')));
  });
});
