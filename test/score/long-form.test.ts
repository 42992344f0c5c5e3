// Long scores: windows that carry on from the music so far, exact lengths, loops.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFolder, type GeneratorModel } from '../../src/generator/model-folder.js';
import { conditionVector } from '../../src/generator/condition.js';
import { generate } from '../../src/generator/pipeline.js';
import { composeScore, scoreVideo, type ComposeOptions } from '../../src/score/score-video.js';
import { pearson } from '../../src/util/statistics.js';
import { seamReadings } from '../../src/eval/seams.js';
import { CUT_FILM_SHOTS, makeCutFilm } from '../../src/synth/clips.js';
import { decodeAudio } from '../../src/media/audio-decode.js';
import { detectOnsets } from '../../src/features/onset.js';
import { resample } from '../../src/features/resample.js';
import { reference } from '../helpers/reference.js';
import { tempDir } from '../helpers/media.js';

/** Constant mood: every window asks for the same music. */
const steady = (model: GeneratorModel) => async () => ({
  levels: {},
  condition: conditionVector({}, model.manifest),
});

describe('continuation (default model)', () => {
  it('a window given the previous window’s last latent frames carries that music on', async () => {
    const model = await loadModelFolder();
    const m = model.manifest;
    const { channels: C, frames: F } = m.latent;
    const stride = m.frames / F;
    const opts = {
      condition: conditionVector({}, m),
      steps: 10,
      guidance: m.defaults.guidance,
      scheduler: m.defaults.scheduler,
    };
    const a = await generate(model, { ...opts, seed: 1 });
    // B's first 50 latent frames are A's frames 200–249 (2 s of A's music).
    const carried = 50;
    const latent = new Float32Array(C * F);
    const known = new Uint8Array(F);
    for (let f = 0; f < carried; f++) {
      known[f] = 1;
      for (let c = 0; c < C; c++) latent[c * F + f] = a.latent[c * F + 200 + f];
    }
    const b = await generate(model, { ...opts, seed: 2, known: { latent, known } });
    const fresh = await generate(model, { ...opts, seed: 2 });
    // The known frames come out exactly as given.
    for (let c = 0; c < C; c += 7) {
      for (let f = 0; f < carried; f++) assert.equal(b.latent[c * F + f], latent[c * F + f]);
    }
    // The log-mel of the carried stretch (minus a margin where the decoder sees the edge):
    // B's equals A's; a window generated without it does not.
    const bands = m.mel.nMels;
    const T = m.frames;
    const stretch = (g: typeof a, from: number) => {
      const out: number[] = [];
      for (let band = 0; band < bands; band++)
        for (let t = 20; t < carried * stride - 20; t++) out.push(g.mel[band * T + from + t]);
      return out;
    };
    const rCarried = pearson(stretch(a, 200 * stride), stretch(b, 0));
    const rFresh = pearson(stretch(a, 200 * stride), stretch(fresh, 0));
    assert.ok(rCarried > 0.95, `carried ${rCarried.toFixed(3)}`);
    assert.ok(rFresh < 0.8, `fresh ${rFresh.toFixed(3)}`);
    // And the music after it differs from A's continuation (it is new, not a copy).
    assert.notDeepEqual(b.latent.subarray(carried, F), a.latent.subarray(200 + carried));
  });

  it('hits the cuts: an onset on the cut nearly every time, against what chance gives without', async () => {
    const model = await loadModelFolder();
    const m = model.manifest;
    // Calm music (pace 0.25) over 24 s with six cuts, three windows; two seeds.
    const calm = async () => ({
      levels: { pace: 0.25 },
      condition: conditionVector({ pace: 0.25, loudness: 0.45, arousal: 0.45 }, m),
    });
    const cuts = [3.3, 7.1, 11.62, 14.9, 18.35, 21.7];
    const near = { hit: 0, plain: 0 };
    for (const seed of [0, 1]) {
      for (const hitCuts of [true, false]) {
        const { score, windows } = await composeScore(model, 24, calm, {
          seed,
          steps: 15,
          guidance: m.defaults.guidance,
          scheduler: m.defaults.scheduler,
          cuts,
          hitCuts,
        });
        const hitsS = windows.flatMap((w) => w.hitsS ?? []);
        if (hitCuts) {
          for (const c of cuts)
            assert.ok(
              hitsS.some((h) => Math.abs(h - c) < 0.03),
              `${c} hit`,
            );
        } else {
          assert.deepEqual(hitsS, []);
        }
        const onsets = detectOnsets(resample(score, m.sampleRate, 22050));
        for (const c of cuts) {
          if (onsets.some((t) => Math.abs(t - c) <= 0.2)) near[hitCuts ? 'hit' : 'plain']++;
        }
      }
    }
    // Within 0.2 s: the onset comes from 0.16 s before to 0.18 s after the cut, most within
    // 0.05 s (24 cuts over four seeds). Measured 2026-12-03: 12 of 12 hit, 1 of 12 without.
    assert.ok(near.hit >= 11, `onsets on the cuts: ${near.hit} of 12 hit, ${near.plain} without`);
    assert.ok(near.hit >= near.plain + 3, `${near.hit} hit vs ${near.plain} without`);
  });

  it('a minute of carried windows keeps its level: each window’s colour match does not pile on the last', async () => {
    // bench/long-form.ts's "lavfi cuts B": six shots, 67 s. With the carried colour held for
    // the whole window (until session 14) the level rose 5 dB from the second 10 s to the last
    // 20 s (seeds 0 and 1, 10 steps) and the onsets stopped: one loud drone. Now: 1–2 dB.
    const model = await loadModelFolder();
    const m = model.manifest;
    const dir = tempDir();
    try {
      const film = makeCutFilm(join(dir, 'b.mp4'), CUT_FILM_SHOTS.B);
      const wav = join(dir, 'score.wav');
      await scoreVideo(film, join(dir, 'scored.mp4'), model, {
        seed: 0,
        steps: 10,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
        wav,
      });
      const score = (await decodeAudio(wav, { sampleRate: m.sampleRate, channels: 1 })).channels[0];
      const sr = m.sampleRate;
      const levelDb = (fromS: number, toS: number) => {
        let e = 0;
        for (let i = fromS * sr; i < Math.min(score.length, toS * sr); i++) e += score[i] ** 2;
        return 10 * Math.log10(e / ((Math.min(score.length / sr, toS) - fromS) * sr));
      };
      const early = levelDb(10, 30);
      const late = levelDb(47, 67);
      assert.ok(late - early < 3, `10–30 s ${early.toFixed(1)} dB, 47–67 s ${late.toFixed(1)} dB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('where a 60 s score’s windows are joined the sound carries on; independent windows’ joins stand out', async () => {
    const model = await loadModelFolder();
    const m = model.manifest;
    const base: ComposeOptions = {
      seed: 4,
      steps: 10,
      guidance: m.defaults.guidance,
      scheduler: m.defaults.scheduler,
    };
    const read = async (continuation: boolean) => {
      const { score, windows } = await composeScore(model, 60, steady(model), {
        ...base,
        continuation,
      });
      // A join: from the crossfade in the middle of the carried 2 s to where the new music
      // begins; novelty's peak within ±1 s of their midpoint covers both.
      const joins = windows
        .slice(1)
        .map((w) => w.newFromS - 0.5)
        .filter((t) => t >= 10 && t <= 50);
      const r = seamReadings(score, joins, { toleranceS: 1 });
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      return {
        novelty: mean(r.map((x) => x.noveltyPercentile)),
        key: mean(r.map((x) => x.pitchClassR)),
        n: joins.length,
      };
    };
    const carried = await read(true);
    const independent = await read(false);
    const said = `carried: novelty percentile ${carried.novelty.toFixed(1)}, key r ${carried.key.toFixed(3)}; independent: ${independent.novelty.toFixed(1)}, ${independent.key.toFixed(3)}`;
    assert.ok(carried.n >= 4, `${carried.n} joins`);
    // Measured (seed 4, 10 steps): novelty 79.4 vs 87.7, key r 0.812 vs 0.640 (seeds 5, 6:
    // 0.838 / 0.658, 0.843 / 0.708). Before session 14 the new music kept the carried colour for
    // the whole window: 0.935 vs 0.626, but its level drifted (the test above).
    assert.ok(carried.novelty < independent.novelty, said);
    assert.ok(carried.key > independent.key + 0.1, said);
  });
});

describe('loops (default model)', () => {
  it('a --loop score runs from its end into its start without a click, and the wrap measures like its inside', async () => {
    const model = await loadModelFolder();
    const m = model.manifest;
    // Key: how alike the pitch classes of the 10 s either side are. The bundled model's harmony
    // wanders within a piece (inside readings −0.17 … 0.92), and the wrap joins the score's end
    // to its start, 20 s of such wandering apart: measured 2026-12-03 over these four seeds,
    // wrap 0.37 against 0.59 inside (the first bundled model, a steady texture, read > 0.8
    // everywhere). Asserted on the means: a wrap that joined unrelated keys would read ~0.
    const key = { wrap: 0, inside: 0 };
    const novelty = { wrap: 0, inside: 0 };
    const seeds = [2, 5, 7, 11];
    for (const seed of seeds) {
      const { score } = await composeScore(model, 30, steady(model), {
        seed,
        steps: 10,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
        loop: true,
      });
      const n = score.length;
      // Sample to sample: the step from the last sample to the first is an ordinary one.
      const steps = Array.from({ length: n - 1 }, (_, i) => Math.abs(score[i + 1] - score[i]));
      steps.sort((a, b) => a - b);
      const p99 = steps[Math.floor(0.99 * steps.length)];
      const wrapStep = Math.abs(score[0] - score[n - 1]);
      assert.ok(
        wrapStep < p99,
        `seed ${seed}: wrap step ${wrapStep.toFixed(3)}, 99th pct ${p99.toFixed(3)}`,
      );
      // Level: the first and last 0.5 s are alike (the start is no edge burst).
      const rms = (a: number, b: number) =>
        Math.sqrt(score.subarray(a, b).reduce((s, x) => s + x * x, 0) / (b - a));
      const ratio = rms(n - 8000, n) / rms(0, 8000);
      assert.ok(ratio > 0.4 && ratio < 2.5, `seed ${seed}: end / start level ${ratio.toFixed(2)}`);
      // Played around (second half, then first), the wrap is an ordinary point.
      const h = Math.floor(n / 2);
      const around = new Float32Array(n);
      around.set(score.subarray(h));
      around.set(score.subarray(0, h), n - h);
      const atS = (n - h) / m.sampleRate;
      const [wrap, ...others] = seamReadings(around, [atS, atS - 6, atS + 6, atS - 3, atS + 3], {
        toleranceS: 1,
      });
      novelty.wrap += wrap.noveltyPercentile / seeds.length;
      for (const o of others)
        novelty.inside += o.noveltyPercentile / (others.length * seeds.length);
      key.wrap += wrap.pitchClassR / seeds.length;
      for (const o of others) key.inside += o.pitchClassR / (others.length * seeds.length);
    }
    // Novelty: measured wrap 65 against 87 inside (percentiles of the piece's own novelty).
    assert.ok(
      novelty.wrap <= novelty.inside + 10,
      `novelty percentile at the wrap ${novelty.wrap}, inside ${novelty.inside}`,
    );
    assert.ok(
      key.wrap > key.inside - 0.3,
      `key r across the wrap ${key.wrap}, inside ${key.inside}`,
    );
  });
});

describe('score lengths and loops (tiny model)', () => {
  const dir = tempDir();
  const folder = join(dir, 'tiny-model');
  reference('export_tiny_generator', { out: folder, seed: 0 });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is exactly as long as asked, from 0.5 s to past several windows, looped or not', async () => {
    const model = await loadModelFolder(folder);
    const sr = model.manifest.sampleRate;
    const opts: ComposeOptions = { seed: 0, steps: 1, guidance: 1, scheduler: 'ddim' };
    // Just under, at and just over one window (10 s of music, + the 0.05 s end fade), and
    // lengths that fall between grid frames.
    for (const d of [0.5, 9.99, 10, 10.04, 10.05, 10.06, 10.5, 17.3337, 31.01]) {
      for (const loop of [false, true]) {
        const { score, windows } = await composeScore(model, d, steady(model), {
          ...opts,
          loop,
          // Cuts at the edges too: hits clipped to the window, never past the score.
          cuts: [0.02, d / 2, d - 0.05],
        });
        assert.equal(score.length, Math.round(d * sr), `${d} s${loop ? ' looped' : ''}`);
        assert.ok(score.every(Number.isFinite));
        const last = windows[windows.length - 1];
        assert.ok(last.startS + last.durationS >= d - 1 / sr, `${d} s: the end is composed`);
        if (loop) assert.ok(windows.length >= 2, 'a loop composes its wrap');
      }
    }
  });

  it('takes cuts in any order: the plan, the stretches and the hits are those of the sorted cuts', async () => {
    const model = await loadModelFolder(folder);
    const opts: ComposeOptions = { seed: 0, steps: 1, guidance: 1, scheduler: 'ddim' };
    const plan = async (cuts: number[]) =>
      (await composeScore(model, 25, steady(model), { ...opts, cuts })).windows.map((w) => [
        w.startS,
        w.newFromS,
        w.hitsS ?? [],
      ]);
    // Two cuts inside the first window (2.5 and 6 s), one inside the third (18.3 s).
    const sorted = await plan([2.5, 6, 18.3]);
    assert.deepEqual(await plan([6, 18.3, 2.5]), sorted);
    // Both early cuts are hit (read in the wrong order, the second would seem too near the first).
    assert.deepEqual(sorted[0][2], [2.52, 6]);
    assert.deepEqual(sorted[2][2], [18.32]);
  });

  it('a cancelled score stops with the signal’s reason', async () => {
    const model = await loadModelFolder(folder);
    const controller = new AbortController();
    let windows = 0;
    await assert.rejects(
      composeScore(model, 40, steady(model), {
        seed: 0,
        steps: 2,
        guidance: 1,
        scheduler: 'ddim',
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 'analysing') windows = e.window;
          if (e.stage === 'generating' && e.window === 2) controller.abort(new Error('stop'));
        },
      }),
      /stop/,
    );
    assert.equal(windows, 2, 'stopped in the second window');
  });
});
