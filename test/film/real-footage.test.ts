// The film analysis on the real footage DESIGN.md lists (fetched from Debian packages by
// scripts/fetch-test-footage.sh): stable from run to run, in range, and plausible.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeFilm, EMOTION_CLASSES } from '../../src/film/film-analysis.js';
import { probe } from '../../src/media/probe.js';

const CLIPS = {
  cockatoo: '.cache/test-footage/cockatoo.mp4',
  diver: '.cache/test-footage/diver.mov',
  hello: '.cache/test-footage/movie-hello.mp4',
};
const missing = Object.values(CLIPS).some((p) => !existsSync(p));
const skip = missing && !process.env.CI ? 'run scripts/fetch-test-footage.sh first' : false;

describe('real footage', { skip }, () => {
  it('gives stable, in-range, plausible results', async () => {
    const results: Record<string, Awaited<ReturnType<typeof analyzeFilm>>> = {};
    for (const [name, path] of Object.entries(CLIPS)) {
      const a = await analyzeFilm(path);
      const b = await analyzeFilm(path);
      assert.deepEqual(
        { ...a, keyframes: [] },
        { ...b, keyframes: [] },
        `${name}: two runs give the same result`,
      );
      const info = await probe(path);
      assert.ok(Math.abs(a.durationS - info.video!.durationS) < 1e-6);
      const total = EMOTION_CLASSES.reduce((s, k) => s + a.emotion[k], 0);
      assert.ok(Math.abs(total - 1) < 1e-9);
      for (const v of [...Object.values(a.affect), ...Object.values(a.aesthetic)]) {
        assert.ok(v >= 0 && v <= 1, `${name}: ${v} out of range`);
      }
      results[name] = a;
    }
    // movie-hello is a screencast (a terminal, a small webcam inset) that barely moves; the
    // diver drifts; the cockatoo is a hand-held close-up that moves a lot and cuts once.
    assert.ok(
      results.hello.affect.pace < results.diver.affect.pace,
      'the screencast is stiller than the diver',
    );
    assert.ok(
      results.diver.affect.pace < results.cockatoo.affect.pace,
      'the diver is calmer than the cockatoo',
    );
    assert.ok(results.hello.affect.brightness < results.cockatoo.affect.brightness);
  });
});
