import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinWindows } from '../../src/decoder/join-windows.js';
import {
  planScoreWindows,
  windowHits,
  windowStretches,
  type PlannedWindow,
} from '../../src/score/window-plan.js';
import { accentWeights, stretchWeights } from '../../src/generator/condition.js';
import { makeClip, probeField, tempDir } from '../helpers/media.js';
import { makeCutFilm } from '../../src/synth/clips.js';
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
  const W = 250;
  const opts = { window: W, carry: 50, flex: 75 };
  /** Every frame of the score composed by exactly one window's new part, in order. */
  function assertCovers(plan: PlannedWindow[], frames: number) {
    assert.equal(plan[0].start, 0);
    assert.equal(plan[0].newFrom, 0);
    for (let k = 1; k < plan.length; k++) {
      const [prev, w] = [plan[k - 1], plan[k]];
      assert.ok(w.newFrom > prev.newFrom, `window ${k} composes something new`);
      assert.ok(w.newFrom <= prev.start + W, `window ${k} carries only composed music`);
      assert.ok(w.newFrom - w.start >= 50, `window ${k} carries at least the carry`);
      assert.ok(w.start + W <= frames + 50, 'no window runs past the score');
    }
    const last = plan[plan.length - 1];
    assert.ok(last.start + W >= frames, 'the last window reaches the end');
  }

  it('plans one window for a short score; carried windows, the last ending at the end, for a long one', () => {
    assert.deepEqual(planScoreWindows(100, opts).windows, [{ start: 0, newFrom: 0 }]);
    assert.deepEqual(planScoreWindows(250, opts).windows, [{ start: 0, newFrom: 0 }]);
    const { windows, loopFrames } = planScoreWindows(625, opts);
    assert.equal(loopFrames, 0);
    // 0–250, then new music from 250 (carrying 200–250), from 450 (carrying 400–450), and the
    // last ends at 625, carrying from 375.
    assert.deepEqual(windows, [
      { start: 0, newFrom: 0 },
      { start: 200, newFrom: 250 },
      { start: 375, newFrom: 450 },
    ]);
    assertCovers(windows, 625);
    // Just over one window: the second window carries all but the new frame.
    assert.deepEqual(planScoreWindows(251, opts).windows[1], { start: 1, newFrom: 250 });
  });

  it('starts new stretches at shot cuts near where a window runs out', () => {
    // Cuts at 240 and 300 (too late: the first window ends at 250) and 600.
    const { windows } = planScoreWindows(1000, { ...opts, cuts: [30, 240, 300, 600] });
    assert.equal(windows[1].newFrom, 240);
    assert.equal(windows[1].start, 190);
    // 190 + 250 = 440: no cut in 365–440, so the natural hand-over; then 600 is not within
    // 615–690, so natural again.
    assert.equal(windows[2].newFrom, 440);
    assertCovers(windows, 1000);
    const far = planScoreWindows(1000, { ...opts, cuts: [100] });
    assert.equal(far.windows[1].newFrom, 250, 'a cut further back than flex is not taken');
  });

  it('divides a window at the cuts inside it: shots of 2 s or more, at most three, the longest kept', () => {
    const o = { minFrames: 50, max: 3 };
    assert.deepEqual(windowStretches(250, [], o), [0]);
    // Cuts before the window, too near its edges or too near the last change are left out.
    assert.deepEqual(windowStretches(250, [-30, 20, 120, 150, 210, 300], o), [0, 120]);
    // Four of 50, 50, 100, 50 frames: the first (shortest, first found) joins the next.
    assert.deepEqual(windowStretches(250, [50, 100, 200], o), [0, 100, 200]);
    // Four shots of 50, 60, 70, 70 frames: the shortest (the first) joins its neighbour.
    assert.deepEqual(windowStretches(250, [50, 110, 180], o), [0, 110, 180]);
    // Shots of 70, 50, 60, 70: the 50 joins its shorter neighbour (the 60 after it).
    assert.deepEqual(windowStretches(250, [70, 120, 180], o), [0, 70, 180]);
    assert.deepEqual(windowStretches(250, [70, 120, 180], { ...o, max: 1 }), [0]);
  });

  it('hands a track’s condition over at each stretch’s start: weights sum to 1, the ramp centred there', () => {
    const w = stretchWeights([0, 100, 180], 256, 6);
    for (let f = 0; f < 256; f++) {
      const sum = w[f] + w[256 + f] + w[512 + f];
      assert.ok(Math.abs(sum - 1) < 1e-6, `frame ${f}: ${sum}`);
    }
    // Wholly the first stretch's up to 4 frames before 100, wholly the second's from 3 after.
    assert.equal(w[96], 1);
    assert.equal(w[256 + 103], 1);
    assert.equal(w[256 + 176], 1);
    assert.equal(w[512 + 183], 1);
    assert.equal(w[512 + 255], 1);
    // Half-way at the boundary (frames 99 and 100 straddle it): 5/12 and 7/12 of the new one.
    assert.ok(Math.abs(w[256 + 99] - 5 / 12) < 1e-6 && Math.abs(w[256 + 100] - 7 / 12) < 1e-6);
    // No ramp: a step at the boundary.
    const step = stretchWeights([0, 100], 256, 0);
    assert.equal(step[99], 1);
    assert.equal(step[256 + 100], 1);
  });

  it('hits the cuts in the music a window composes, at most one a second', () => {
    const o = { from: 50, frames: 250, spacing: 25 };
    // Carried (before 50) and past the music (250 on) are not hit; 140 is 10 frames after 130.
    assert.deepEqual(
      windowHits([10, 49, 50, 130, 140, 180, 249, 250, 300], o),
      [50, 130, 180, 249],
    );
    assert.deepEqual(windowHits([], o), []);
    // An accent row over 8 frames from each: it takes those frames wholly, the rest as before.
    const w = accentWeights(stretchWeights([0, 100], 256, 6), 256, [-3, 120, 252], 8);
    assert.equal(w.length, 3 * 256);
    for (let f = 0; f < 256; f++) {
      const hit = f < 5 || (f >= 120 && f < 128) || f >= 252;
      assert.equal(w[512 + f], hit ? 1 : 0, `frame ${f}`);
      assert.ok(Math.abs(w[f] + w[256 + f] + w[512 + f] - 1) < 1e-6);
    }
    assert.equal(w[130], 0);
    assert.equal(w[256 + 130], 1);
  });

  it('plans a loop: the last window composes towards the start, which it knows past the end', () => {
    const long = planScoreWindows(1000, { ...opts, loop: true });
    assert.equal(long.loopFrames, 50);
    const last = long.windows[long.windows.length - 1];
    assert.equal(last.wrapFrom, 1000);
    assert.equal(last.start + W, 1050, 'it covers the wrap');
    assert.ok(last.newFrom < 1000);
    assertCovers(long.windows, 1000);
    // A loop shorter than a window still takes two: the first cannot know itself.
    const short = planScoreWindows(100, { ...opts, loop: true });
    assert.equal(short.windows.length, 2);
    assert.deepEqual(short.windows[1], { start: 0, newFrom: 75, wrapFrom: 100 });
    const tiny = planScoreWindows(13, { ...opts, loop: true });
    assert.equal(tiny.loopFrames, 6);
    assert.deepEqual(tiny.windows[1], { start: 0, newFrom: 6, wrapFrom: 13 });
    assert.throws(() => planScoreWindows(0, opts), /at least one frame/);
    assert.throws(() => planScoreWindows(10, { ...opts, carry: 200 }), /less than a window/);
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
  /** A --mood giving every condition of the tiny model the same level. */
  const moodOfEvery = (level: number) =>
    (JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')).condition.names as string[])
      .map((n) => `${n}=${level}`)
      .join(',');

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

  it('starts a new stretch at a shot cut, and --loop still gives a score exactly as long', () => {
    // 8.6 s of one picture, then 11.4 s of another: one hard cut at 8.6 s.
    const cut = makeCutFilm(join(dir, 'cut.mp4'), [
      ['testsrc2', 8.6],
      ['smptebars', 11.4],
    ]);
    const r = filmscore(
      'score',
      cut,
      '-o',
      'cut-out.mp4',
      '--model',
      model,
      '--steps',
      '1',
      '--json',
      '-q',
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    // 0–10 s, then new music from the cut (carrying 4.6–8.6 s) to 14.6 s, then the rest.
    assert.equal(j.windows.length, 3);
    // The second window's new music begins at the cut (to the 40 ms grid), carrying 4 s.
    assert.ok(
      Math.abs(j.windows[1].newFromS - 8.6) <= 0.04,
      `new music from ${j.windows[1].newFromS} s`,
    );
    assert.ok(Math.abs(j.windows[1].startS - 4.6) <= 0.04);
    // That window's condition changes at the cut: its carried 4 s read the first picture,
    // the rest the second (colour bars with a black band: darker than testsrc2). The first
    // window's cut is 1.4 s from its end, too near for a stretch of its own.
    assert.equal(j.windows[0].stretches, undefined);
    const [carried, after] = j.windows[1].stretches;
    assert.ok(Math.abs(carried.fromS - 4.6) <= 0.04 && Math.abs(after.fromS - 8.6) <= 0.04);
    assert.ok(
      after.levels.brightness < carried.levels.brightness - 0.1,
      JSON.stringify(j.windows[1].stretches),
    );
    // The cut is hit once, by the window whose music the score keeps there.
    assert.equal(j.windows[0].hitsS, undefined);
    assert.equal(j.windows[1].hitsS.length, 1);
    assert.ok(Math.abs(j.windows[1].hitsS[0] - 8.6) <= 0.04);
    assert.equal(j.windows[2].hitsS, undefined);
    const loop = filmscore(
      'score',
      cut,
      '-o',
      'loop.mp4',
      '--model',
      model,
      '--steps',
      '1',
      '--loop',
      '--wav',
      'loop.wav',
      // Every level set: the shots have nothing left to differ in, so no window is divided.
      '--mood',
      moodOfEvery(0.3),
      '--json',
      '-q',
    );
    assert.equal(loop.status, 0, loop.stderr);
    for (const w of JSON.parse(loop.stdout).windows) assert.equal(w.stretches, undefined);
    const video = Number(probeField(join(dir, 'loop.mp4'), 'v:0', 'duration'));
    const wav = Number(probeField(join(dir, 'loop.wav'), 'a:0', 'duration'));
    assert.ok(
      Math.abs(wav - video) <= 1 / 16000 + 1e-6,
      `loop score ${wav} s vs picture ${video} s`,
    );
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
