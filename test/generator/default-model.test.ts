// The bundled model (models/default, issue 11's representation): what `filmscore score` uses
// when no --model is given. What its audio representation keeps of real music it never saw
// (Debian's asc-music and singularity-music, scripts/fetch-outside-music.sh), that its vocoder
// puts a held note at its own pitch, that it follows its condition, its film and a style
// reference. The README's and the model card's figures for it stand or fall with these tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { defaultVocoderName, modelVocoder, type VocoderName } from '../../src/decoder/vocoders.js';
import { reconstructionReport, type ReconstructionReport } from '../../src/eval/reconstruction.js';
import { logMelBandMajor } from '../../src/features/mel.js';
import { spectrogram } from '../../src/features/stft.js';
import {
  contentFrames,
  DEFAULT_MODEL_DIR,
  loadModelFolder,
  type GeneratorModel,
} from '../../src/generator/model-folder.js';
import { modelMelOptions, reconstructAudio } from '../../src/generator/reconstruct.js';
import { decodeAudio } from '../../src/media/audio-decode.js';
import { probe } from '../../src/media/probe.js';
import { sine } from '../../src/synth/signals.js';
import { measureConditioned, measureScoredFilm } from '../helpers/generation.js';
import { analyzeAudio } from '../../src/analysis/music-analysis.js';
import { controlWindow, styleControlsOf } from '../../src/conditions/style-controls.js';
import { dynamicsCorrelation, melodyAccuracy } from '../../src/eval/control-fidelity.js';
import {
  conditionTargets,
  conditionVector,
  stretchWeights,
} from '../../src/generator/condition.js';
import { readMusic } from '../../src/eval/music-reading.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { scoreVideo } from '../../src/score/score-video.js';
import { generate } from '../../src/generator/pipeline.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUTSIDE = join(ROOT, '.cache/outside-music');
const SR = 16000;

/** The strongest partial of a signal, in Hz (one 16 384-point FFT: 0.98 Hz bins). */
function strongestPartial(x: Float32Array): number {
  const n = 16384;
  const s = spectrogram(x.subarray(0, n), { nFft: n, hopLength: n, center: false, power: 2 });
  let best = 1;
  for (let k = 2; k < s.bins; k++) if (s.data[k] > s.data[best]) best = k;
  return (best * SR) / n;
}

describe('the bundled model (models/default)', () => {
  let model: GeneratorModel;
  const crops: { name: string; audio: Float32Array }[] = [];

  before(async () => {
    const fetched = spawnSync('bash', [join(ROOT, 'scripts/fetch-outside-music.sh')], {
      encoding: 'utf8',
    });
    assert.equal(fetched.status, 0, fetched.stderr);
    // Six crops of 10.24 s, at 30 % into the first six tracks (sorted by name): both albums.
    const files = readdirSync(OUTSIDE)
      .filter((f) => /\.(ogg|mp3)$/.test(f))
      .sort();
    for (const f of [...files.slice(0, 3), ...files.slice(-3)]) {
      const path = join(OUTSIDE, f);
      const info = await probe(path);
      const startS = Math.floor(0.3 * (info.durationS - 10.24));
      const d = await decodeAudio(path, {
        sampleRate: SR,
        channels: 1,
        info,
        startS,
        durationS: 10.24,
      });
      crops.push({ name: f, audio: d.channels[0] });
    }
    model = await loadModelFolder(DEFAULT_MODEL_DIR);
  });
  after(async () => model?.dispose());

  it('is complete, within the size budget, and documented', () => {
    const files = readdirSync(DEFAULT_MODEL_DIR);
    for (const f of [
      'manifest.json',
      'unet.onnx',
      'vae_decoder.onnx',
      'vae_encoder.onnx',
      'vocoder.onnx',
      'control.onnx',
      'MODEL_CARD.md',
    ])
      assert.ok(files.includes(f), `models/default/${f}`);
    const bytes = files.reduce((s, f) => s + statSync(join(DEFAULT_MODEL_DIR, f)).size, 0);
    assert.ok(bytes <= 100 * 2 ** 20, `${(bytes / 2 ** 20).toFixed(1)} MiB`);
  });

  it('loads and generates a non-silent, finite 10.24 s window that follows its seed', async () => {
    {
      const m = model.manifest;
      assert.equal(m.sampleRate, 16000);
      assert.deepEqual(m.condition.names, [
        'brightness',
        'pace',
        'valence',
        'arousal',
        'tension',
        'loudness',
        'noisiness',
      ]);
      const opts = {
        condition: conditionVector({}, m),
        steps: 4,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
      };
      const a = await generate(model, { ...opts, seed: 3 });
      const b = await generate(model, { ...opts, seed: 3 });
      assert.deepEqual(a.audio, b.audio);
      assert.equal(a.audio.length, m.frames * m.mel.hopLength);
      let energy = 0;
      for (const v of a.audio) {
        assert.ok(Number.isFinite(v));
        energy += v * v;
      }
      const rms = Math.sqrt(energy / a.audio.length);
      assert.ok(rms > 1e-3 && rms < 1, `rms ${rms}`);
      // The front end reads it as sound with dynamics (not a constant or a click).
      const analysis = analyzeAudio(a.audio, a.sampleRate);
      const dyn = analysis.dynamics;
      assert.ok(Math.max(...dyn) - Math.min(...dyn) > 1, 'dynamics vary');
    }
  });

  it('its vocoder puts held notes at their own pitch (the first bundled one moved them onto 100 Hz multiples)', async () => {
    const vocoder = modelVocoder(model, 'neural');
    for (const hz of [196, 261.63, 440, 659.26]) {
      const mel = logMelBandMajor(sine(hz, 2, SR, 0.3), modelMelOptions(model.manifest));
      const y = await vocoder(mel.data, mel.frames);
      const got = strongestPartial(y.subarray(SR / 2));
      // Within half a semitone (2.9 %): measured 0.5–1.8 %; the first bundled vocoder was 9–15 % off.
      assert.ok(Math.abs(got - hz) / hz < 0.029, `${hz} Hz came out at ${got} Hz`);
    }
  });

  /** The six crops through the VAE and the named vocoder: mean figures against the originals. */
  async function throughVae(vocoder: VocoderName): Promise<{
    melody: number;
    dynamics: number;
    flatness: number;
    mrStft: number;
  }> {
    const reports: ReconstructionReport[] = [];
    for (const c of crops) {
      const out = await reconstructAudio(model, c.audio, { path: 'vae', vocoder });
      reports.push(reconstructionReport(c.audio, out.audio));
    }
    const mean = (f: (r: ReconstructionReport) => number): number =>
      reports.reduce((s, r) => s + f(r), 0) / reports.length;
    return {
      melody: mean((r) => r.melodyAccuracy),
      dynamics: mean((r) => r.dynamicsR),
      flatness: mean((r) => r.flatness.output) / mean((r) => r.flatness.original),
      mrStft: mean((r) => r.mrStft),
    };
  }

  it('keeps the melody, dynamics and noisiness of music outside the corpus through VAE + vocoder', async () => {
    assert.equal(defaultVocoderName(model.manifest), 'hybrid');
    const hybrid = await throughVae('hybrid');
    // On these six crops (2026-12-02, session 6, the VAE decoder after 3500 steps) the hybrid
    // measured melody 79.3 %, dynamics r 0.986, flatness ×1.17, MR-STFT 1.134; the network
    // alone 71.1 % and 1.254, Griffin-Lim 74.0 % and 1.145. The thresholds sit below, at issue 11's goals (melody ≥ 65 %, dynamics
    // r ≥ 0.95, flatness ≤ ×1.3). The wider figures (24 test clips, 12 crops): BENCHMARKS.md.
    assert.ok(hybrid.melody > MELODY_MIN, `melody kept ${hybrid.melody}`);
    assert.ok(hybrid.dynamics > DYNAMICS_MIN, `dynamics r ${hybrid.dynamics}`);
    assert.ok(hybrid.flatness < FLATNESS_MAX, `flatness ×${hybrid.flatness}`);
    // The reason the hybrid is its default: more melody than the network's own magnitudes, and
    // closer to the original (MR-STFT) than Griffin-Lim's 32 rounds on the same decoded mel.
    const neural = await throughVae('neural');
    const griffinLim = await throughVae('griffin-lim');
    assert.ok(hybrid.melody > neural.melody + 0.03, `melody ${hybrid.melody} vs ${neural.melody}`);
    assert.ok(
      hybrid.mrStft < griffinLim.mrStft,
      `MR-STFT ${hybrid.mrStft} vs ${griffinLim.mrStft}`,
    );
  });

  // Its pace was reversed until session 6's UNet (21 000 steps); it now orders the extremes
  // (ρ 0.37 over 30 random levels: not yet the default, BENCHMARKS.md).
  it('follows its condition: pace 0.1 vs 0.9 orders onsets, loudness 0.1 vs 0.9 orders level', async () => {
    const slow = await measureConditioned(model, { pace: 0.1 });
    const fast = await measureConditioned(model, { pace: 0.9 });
    assert.ok(
      fast.onsetsPerSecond > slow.onsetsPerSecond,
      `onsets/s: ${fast.onsetsPerSecond} vs ${slow.onsetsPerSecond}`,
    );
    const quiet = await measureConditioned(model, { loudness: 0.1 });
    const loud = await measureConditioned(model, { loudness: 0.9 });
    assert.ok(loud.levelDb > quiet.levelDb + 1, `dB: ${loud.levelDb} vs ${quiet.levelDb}`);
  });

  it('follows a condition that changes within the window: slow then fast, or fast then slow', async () => {
    const m = model.manifest;
    const F = m.latent.frames;
    const slow = conditionVector({}, m, { pace: 0.1 });
    const fast = conditionVector({}, m, { pace: 0.9 });
    // The hand-over at 5 s (latent frame 125); onsets counted away from it (0.5–4.5 s, 5.5–9.5 s).
    const weights = stretchWeights([0, 125], F, 6);
    const halves = { slowFast: [0, 0], fastSlow: [0, 0] };
    for (const seed of [0, 1, 2]) {
      for (const [key, values] of [
        ['slowFast', [slow, fast]],
        ['fastSlow', [fast, slow]],
      ] as const) {
        const g = await generate(model, {
          condition: { values: [...values], weights },
          seed,
          steps: 10,
          guidance: m.defaults.guidance,
          scheduler: m.defaults.scheduler,
        });
        for (const [h, from] of [0.5, 5.5].entries()) {
          const part = g.music.subarray(from * SR, (from + 4) * SR);
          halves[key][h] += readMusic(part, SR).onsetsPerSecond / 3;
        }
      }
    }
    const say = JSON.stringify(halves);
    assert.ok(halves.slowFast[1] > halves.slowFast[0] + 1, say);
    assert.ok(halves.fastSlow[0] > halves.fastSlow[1] + 1, say);
  });

  it('follows its noisiness: asked for clean music it makes music with cleaner partials, bright or not', async () => {
    // Its UNet is conditioned on the music's noisiness (spectral flatness, log scale): a model
    // that ignored it would measure the same at both levels. Bright requests are the case that
    // matters: the corpus's bright clips are its noisiest, and without it the model made hiss.
    assert.ok(model.manifest.condition.names.includes('noisiness'));
    for (const brightness of [0.5, 0.9]) {
      const clean = await measureConditioned(model, { brightness, noisiness: 0.2 });
      const noisy = await measureConditioned(model, { brightness, noisiness: 0.8 });
      assert.ok(
        noisy.noisiness > clean.noisiness + NOISINESS_GAIN,
        `brightness ${brightness}: noisiness measured ${clean.noisiness} asked 0.2, ${noisy.noisiness} asked 0.8`,
      );
    }
  });

  it('is calibrated: asked for a pace or loudness, it makes music that measures close to it', async () => {
    {
      const m = model.manifest;
      // Levels and seeds that `filmscore calibrate` did not use (it took 7 levels, seeds 0–2).
      // Measured 2026-12-02 (10 steps): loudness off by 0.036 calibrated vs 0.344 asked
      // directly for the target; pace 0.092 vs 0.149. bench/generator-quality.ts over 30
      // random levels: 0.143 / 0.121 (from 0.281 / 0.153).
      for (const [name, most] of [
        ['loudness', 0.15],
        ['pace', 0.15],
      ] as const) {
        const slot = m.condition.names.indexOf(name);
        const err = { calibrated: 0, direct: 0 };
        for (const level of [0.3, 0.5, 0.7]) {
          const target = conditionTargets({}, m, { [name]: level });
          for (const seed of [7, 8]) {
            for (const way of ['calibrated', 'direct'] as const) {
              const g = await generate(model, {
                condition:
                  way === 'calibrated' ? conditionVector({}, m, { [name]: level }) : target,
                seed,
                steps: 10,
                guidance: m.defaults.guidance,
                scheduler: m.defaults.scheduler,
              });
              const measured = readMusic(g.music, g.sampleRate);
              err[way] += Math.abs(measured[name] - target[slot]) / 6;
            }
          }
        }
        assert.ok(err.calibrated < most, `${name}: off by ${err.calibrated} calibrated`);
        assert.ok(
          err.calibrated < err.direct,
          `${name}: ${err.calibrated} vs ${err.direct} uncalibrated`,
        );
      }
    }
  });

  it('scores a bright fast-cut film with more onsets and more loudness than a dark still one', async () => {
    // Issue 11's check on video, 3 seeds each end to end. Measured 2026-12-03: dark still 1.03
    // onsets/s at 31.3 dB, bright fast-cut 4.37/s at 40.3 dB (its cuts hit once a second; the
    // same code without hits 3.07/s at 40.4 dB). Before film levels were kept to
    // 0.1–0.9 the dark film asked for the corpus's darkest 2 % and got busy music (3.57/s).
    const dark = await measureScoredFilm(model, 'dark-still');
    const bright = await measureScoredFilm(model, 'bright-fast-cut');
    assert.ok(
      bright.onsetsPerSecond > dark.onsetsPerSecond + 0.5,
      `onsets/s: bright fast-cut ${bright.onsetsPerSecond} vs dark still ${dark.onsetsPerSecond}`,
    );
    assert.ok(bright.levelDb > dark.levelDb + 3, `dB: ${bright.levelDb} vs ${dark.levelDb}`);
  });

  it("carries a reference's melody and dynamics (S-Control) beyond what the same seeds share by chance", async () => {
    // Each outside crop, cut to the 10 s of music a window holds, is its own reference (both
    // controls), the condition medium, 10 steps, against the same seed without the reference:
    // a branch that ignored its controls would give the same figures. Guided (the default) the
    // branch's residuals go into the conditional row only, so guidance carries the controls
    // with the film; unguided both rows take them. The dynamics ride (on by default) brings the
    // level curve to the reference's; "network" is the guided generation without it.
    // Measured 2026-12-03 on these six crops (the branch after 22 500 steps, guided against its
    // own "no control"): melody guided 77.8 %, unguided 28.5 %, without the reference 8.4 %;
    // dynamics r guided 0.986 (0.469 before the ride), unguided 0.992, without −0.117.
    const m = model.manifest;
    assert.equal(m.version, 2);
    const guided = { melody: 0, dynamics: 0 };
    const network = { melody: 0, dynamics: 0 };
    const plain = { melody: 0, dynamics: 0 };
    const without = { melody: 0, dynamics: 0 };
    const music = contentFrames(m) * m.mel.hopLength;
    for (const [k, c] of crops.entries()) {
      const piece = c.audio.subarray(0, music);
      const controls = styleControlsOf(piece, SR, ['melody', 'dynamics']);
      const window = controlWindow(controls, 0, m.frames);
      const request = {
        condition: conditionVector({}, m, {}),
        seed: k,
        steps: 10,
        guidance: m.defaults.guidance,
        scheduler: m.defaults.scheduler,
      };
      for (const [into, extra] of [
        [guided, { controls: window }],
        [network, { controls: window, dynamicsRide: false }],
        [plain, { controls: window, controlGuidance: false }],
        [without, {}],
      ] as const) {
        const g = await generate(model, { ...request, ...extra });
        const a = analyzeAudio(g.music.subarray(0, piece.length), SR);
        into.melody += melodyAccuracy(controls.melody!, a.melody) / crops.length;
        into.dynamics += dynamicsCorrelation(controls.dynamics!, a.dynamics) / crops.length;
      }
    }
    const seen = `guided ${JSON.stringify(guided)}, before the ride ${JSON.stringify(network)}, unguided ${JSON.stringify(plain)}, without ${JSON.stringify(without)}`;
    assert.ok(guided.melody > MELODY_GUIDED_MIN, seen);
    assert.ok(guided.melody > plain.melody + MELODY_GUIDANCE_GAIN, seen);
    assert.ok(plain.melody > without.melody + MELODY_GAIN, seen);
    assert.ok(network.dynamics > without.dynamics + DYNAMICS_GAIN, seen);
    // The ride: the output's level follows the reference's (a gain curve that did nothing, or
    // moved the wrong way, would leave the network's figure).
    assert.ok(guided.dynamics > DYNAMICS_RIDDEN_MIN, seen);
    assert.ok(guided.dynamics > network.dynamics + DYNAMICS_GAIN, seen);
  });
  it('scores right up to the end of the picture: no silence where the model learnt padding', async () => {
    // The training clips were 10 s padded to the 10.24 s window, and the model makes those last
    // 0.24 s near silent (35–40 dB down); a 10.2 s film must still have music to its end.
    const dir = tempDir();
    try {
      const clip = makeClip(join(dir, 'clip.mp4'), { durationS: 10.2, video: 'testsrc2' });
      const out = join(dir, 'scored.mkv');
      const r = await scoreVideo(clip, out, model, {
        seed: 0,
        steps: 10,
        guidance: model.manifest.defaults.guidance,
        scheduler: 'dpm-solver++',
      });
      assert.equal(r.windows.length, 2, 'two windows: 10.2 s is more than the 10 s of music');
      const audio = (await decodeAudio(out, { sampleRate: 16000, channels: 1 })).channels[0];
      const rms = (a: number, b: number): number => {
        let e = 0;
        for (let i = Math.round(a * 16000); i < Math.round(b * 16000); i++) e += audio[i] ** 2;
        return Math.sqrt(e / Math.round((b - a) * 16000));
      };
      // From the 10 s mark to the mux's 0.05 s fade against the body of the score.
      const ratio = rms(10.02, 10.15) / rms(1, 9);
      assert.ok(ratio > 0.3, `end of the score at ${(20 * Math.log10(ratio)).toFixed(1)} dB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const NOISINESS_GAIN = 0.05;
const MELODY_GAIN = 0.04;
const MELODY_GUIDED_MIN = 0.6;
const MELODY_GUIDANCE_GAIN = 0.2;
const DYNAMICS_GAIN = 0.15;
/** Dynamics r after the ride, over the six crops' mean (session 12: see the S-Control test). */
const DYNAMICS_RIDDEN_MIN = 0.85;
const MELODY_MIN = 0.7;
const DYNAMICS_MIN = 0.95;
const FLATNESS_MAX = 1.3;
