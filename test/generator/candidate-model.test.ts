// The candidate model (models/candidate, issue 11): what its audio representation keeps of real
// music it never saw (Debian's asc-music and singularity-music, scripts/fetch-outside-music.sh),
// and that its vocoder puts a held note at its own pitch. The README's and the model card's
// figures for it stand or fall with these tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { defaultVocoderName, modelVocoder, type VocoderName } from '../../src/decoder/vocoders.js';
import { reconstructionReport, type ReconstructionReport } from '../../src/eval/reconstruction.js';
import { logMelBandMajor } from '../../src/features/mel.js';
import { spectrogram } from '../../src/features/stft.js';
import { loadModelFolder, type GeneratorModel } from '../../src/generator/model-folder.js';
import { modelMelOptions, reconstructAudio } from '../../src/generator/reconstruct.js';
import { decodeAudio } from '../../src/media/audio-decode.js';
import { probe } from '../../src/media/probe.js';
import { sine } from '../../src/synth/signals.js';
import { measureConditioned, measureScoredFilm } from '../helpers/generation.js';
import { analyzeAudio } from '../../src/analysis/music-analysis.js';
import { controlWindow, styleControlsOf } from '../../src/conditions/style-controls.js';
import { dynamicsCorrelation, melodyAccuracy } from '../../src/eval/control-fidelity.js';
import { conditionVector } from '../../src/generator/condition.js';
import { generate } from '../../src/generator/pipeline.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CANDIDATE = join(ROOT, 'models/candidate');
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

describe('the candidate model (models/candidate)', () => {
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
    model = await loadModelFolder(CANDIDATE);
  });
  after(async () => model?.dispose());

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

  it('scores a bright fast-cut film with more onsets and more loudness than a dark still one', async () => {
    // Issue 11's check on video, 3 seeds each end to end. Measured 2026-12-02: dark still 0.90
    // onsets/s at 32.0 dB, bright fast-cut 3.20/s at 40.5 dB. Before film levels were kept to
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
    // Each outside crop is its own reference (both controls), the condition medium, 10 steps,
    // against the same seed without the reference: a branch that ignored its controls would
    // give the same figures. Guided (the default) the branch's residuals go into the
    // conditional row only, so guidance carries the controls with the film; unguided both rows
    // take them. Measured 2026-12-02 on these six crops: melody guided 68.4 % (dynamics r 0.200), unguided
    // 25.6 % (0.220), without the reference 8.4 % (−0.104).
    const m = model.manifest;
    assert.equal(m.version, 2);
    const guided = { melody: 0, dynamics: 0 };
    const plain = { melody: 0, dynamics: 0 };
    const without = { melody: 0, dynamics: 0 };
    for (const [k, c] of crops.entries()) {
      const controls = styleControlsOf(c.audio, SR, ['melody', 'dynamics']);
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
        [plain, { controls: window, controlGuidance: false }],
        [without, {}],
      ] as const) {
        const g = await generate(model, { ...request, ...extra });
        const a = analyzeAudio(g.music.subarray(0, c.audio.length), SR);
        into.melody += melodyAccuracy(controls.melody!, a.melody) / crops.length;
        into.dynamics += dynamicsCorrelation(controls.dynamics!, a.dynamics) / crops.length;
      }
    }
    const seen = `guided ${JSON.stringify(guided)}, unguided ${JSON.stringify(plain)}, without ${JSON.stringify(without)}`;
    assert.ok(guided.melody > MELODY_GUIDED_MIN, seen);
    assert.ok(guided.melody > plain.melody + MELODY_GUIDANCE_GAIN, seen);
    assert.ok(plain.melody > without.melody + MELODY_GAIN, seen);
    assert.ok(plain.dynamics > without.dynamics + DYNAMICS_GAIN, seen);
  });
});

const NOISINESS_GAIN = 0.05;
const MELODY_GAIN = 0.04;
const MELODY_GUIDED_MIN = 0.4;
const MELODY_GUIDANCE_GAIN = 0.2;
const DYNAMICS_GAIN = 0.15;
const MELODY_MIN = 0.7;
const DYNAMICS_MIN = 0.95;
const FLATNESS_MAX = 1.3;
