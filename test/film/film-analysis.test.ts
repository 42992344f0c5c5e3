// The offline film analysis on clips with known content: dark still vs bright moving, a hard
// cut at a known time, and the synthetic pairs whose pace / brightness / cuts are known.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeSyntheticPairs } from '../../src/dataset/synthetic-pairs.js';
import { analyzeFilm, EMOTION_CLASSES, recordFilm } from '../../src/film/film-analysis.js';
import { probe } from '../../src/media/probe.js';
import { levelToQuantile } from '../../src/conditions/calibration.js';
import { CORPUS_AFFECT_QUANTILES } from '../../src/conditions/corpus-affect-quantiles.js';
import { detectCuts } from '../../src/film/shot-cuts.js';
import { MediaError } from '../../src/media/errors.js';
import { makeClip, quarterTurned, tempDir } from '../helpers/media.js';

const dir = tempDir();

describe('detectCuts', () => {
  it('finds isolated spikes and ignores steady high change (camera motion)', () => {
    const quiet = Array.from({ length: 50 }, () => 0.02);
    quiet[20] = 0.8;
    assert.deepEqual(detectCuts(quiet, { fps: 10 }), [2]);
    const panning = Array.from({ length: 50 }, () => 0.3);
    assert.deepEqual(detectCuts(panning, { fps: 10 }), []);
  });
});

describe('analyzeFilm', () => {
  it('a dark still clip and a bright moving one differ the right way', async () => {
    const dark = makeClip(join(dir, 'dark.mp4'), {
      durationS: 4,
      video: 'color=c=0x101018',
      size: '160x90',
    });
    const bright = makeClip(join(dir, 'bright.mp4'), {
      durationS: 4,
      video: 'testsrc2',
      size: '160x90',
    });
    const d = await analyzeFilm(dark);
    const b = await analyzeFilm(bright);
    assert.ok(d.levels.brightness < 0.1, `dark brightness ${d.levels.brightness}`);
    assert.ok(b.levels.brightness > d.levels.brightness + 0.3);
    assert.ok(b.affect.brightness > d.affect.brightness + 0.1);
    assert.ok(d.levels.pace < 0.05, `still pace ${d.levels.pace}`);
    // Calibrated: a still picture asks for the slowest music of the corpus (its 2nd percentile).
    assert.equal(d.affect.pace, levelToQuantile(d.levels.pace, CORPUS_AFFECT_QUANTILES.pace!));
    assert.ok(b.affect.pace > d.affect.pace + 0.1, `moving pace ${b.affect.pace}`);
    assert.ok(d.affect.valence < b.affect.valence && d.affect.arousal < b.affect.arousal);
    assert.deepEqual(d.cuts, []);
    for (const a of [d, b]) {
      const total = EMOTION_CLASSES.reduce((s, k) => s + a.emotion[k], 0);
      assert.ok(Math.abs(total - 1) < 1e-9, 'emotion sums to 1');
      for (const v of Object.values(a.aesthetic)) assert.ok(v >= 0 && v <= 1);
    }
    assert.ok(b.aesthetic.colour > d.aesthetic.colour, 'test pattern is more colourful');
    assert.ok(d.emotion.sad + d.emotion.fearful > b.emotion.sad + b.emotion.fearful);
  });

  it('finds a hard cut at a known time', async () => {
    const path = join(dir, 'cut.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=25:d=2.4',
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=s=160x90:r=25',
      '-filter_complex',
      '[1:v]trim=duration=2.6,setpts=PTS-STARTPTS[b];[0:v][b]concat=n=2:v=1[v]',
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      path,
    ]);
    const f = await analyzeFilm(path);
    assert.equal(f.cuts.length, 1, `cuts ${f.cuts}`);
    assert.ok(Math.abs(f.cuts[0] - 2.4) <= 0.1 + 1e-9, `cut at ${f.cuts[0]}`);
  });

  it('follows the synthetic pairs: pace, brightness and cut times', async () => {
    const { pairs } = await writeSyntheticPairs(join(dir, 'pairs'), 4, 8);
    const films = await Promise.all(
      pairs.map((p) => analyzeFilm(join(dir, 'pairs', `${p.name}.mp4`))),
    );
    // Pairs: (pace, brightness) = (0,0), (1,0), (0,1), (1,1).
    assert.ok(films[1].levels.pace > films[0].levels.pace + 0.2);
    assert.ok(films[3].levels.pace > films[2].levels.pace + 0.2);
    assert.ok(films[2].levels.brightness > films[0].levels.brightness + 0.3);
    assert.ok(films[3].levels.brightness > films[1].levels.brightness + 0.3);
    for (const [i, p] of pairs.entries()) {
      const expected = p.cuts.filter((t) => t < 7.9);
      assert.equal(
        films[i].cuts.length,
        expected.length,
        `${p.name}: ${films[i].cuts} vs ${expected}`,
      );
      expected.forEach((t, k) =>
        assert.ok(Math.abs(films[i].cuts[k] - t) <= 0.1 + 1e-9, `${p.name} cut ${t}`),
      );
    }
  });

  it('reads the same whether the decode waits for the probe or starts beside it', async () => {
    // 16:9 and a phone's quarter-turned picture (stills 256 × 144 and 256 × 456): the decode
    // started before the probe works the stills' height out in ffmpeg's own terms.
    const wide = makeClip(join(dir, 'wide.mp4'), {
      durationS: 3,
      video: 'testsrc2',
      size: '320x180',
    });
    const turned = quarterTurned(wide, join(dir, 'turned-film.mp4'));
    for (const [clip, height] of [
      [wide, 144],
      [turned, 456],
    ] as const) {
      const info = await probe(clip);
      const after = await recordFilm(clip, { faces: null }, { info });
      const beside = await recordFilm(clip, { faces: null }, { info: probe(clip) });
      assert.equal(beside.keyframes[0].height, height);
      assert.deepEqual(
        beside.keyframes.map((k) => k.rgb),
        after.keyframes.map((k) => k.rgb),
      );
      assert.deepEqual(beside.stats, after.stats);
      assert.deepEqual(beside.aesthetics, after.aesthetics);
      assert.deepEqual(beside.motion, after.motion);
    }
  });

  it('a picture of unknown size is still read whole when the decode started first', async () => {
    // 4:3, but the probe (made to) know no size: the stills fall back to 16:9's 256 × 144, read
    // on their own, rather than cutting ffmpeg's 256 × 192 frames at the wrong length.
    const square = makeClip(join(dir, 'four-three.mp4'), {
      durationS: 3,
      video: 'testsrc2',
      size: '320x240',
    });
    const real = await probe(square);
    const unsized = { ...real, video: { ...real.video!, width: 0, height: 0 } };
    const rec = await recordFilm(square, { faces: null }, { info: Promise.resolve(unsized) });
    assert.equal(rec.aesthetics.length, 3);
    assert.deepEqual(
      rec.keyframes.map((k) => [k.width, k.height, k.rgb.length]),
      rec.keyframes.map(() => [256, 144, 256 * 144 * 3]),
    );
    assert.equal(rec.stats.length, 30);
  });

  it('a probe that fails stops the decode started beside it, and is the error', async () => {
    // A film ffmpeg reads well, so only the failed probe can stop its decode: unread, it
    // would wait on its full pipes for ever.
    const film = makeClip(join(dir, 'long-enough.mp4'), {
      durationS: 6,
      video: 'testsrc2',
      size: '320x180',
    });
    await assert.rejects(
      recordFilm(
        film,
        { faces: null },
        {
          info: probe(film).then(() => {
            throw new MediaError('no-video', film, 'no picture to read');
          }),
        },
      ),
      /no picture to read/,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const children = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)]).toString();
    assert.doesNotMatch(children, /ffmpeg/);
  });

  it('bad video input is a clear error', async () => {
    await assert.rejects(
      analyzeFilm(join(dir, 'none.mp4')),
      (e: unknown) => e instanceof MediaError && e.kind === 'missing-file',
    );
  });
});
