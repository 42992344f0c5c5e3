// STFT, iSTFT, mel, resampling and Griffin-Lim against torchaudio (Debian's python3-torchaudio).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { griffinLim } from '../../src/features/griffin-lim.js';
import {
  AUDIOLDM_MEL,
  logMelSpectrogram,
  melFilterBank,
  melSpectrogram,
} from '../../src/features/mel.js';
import { resample } from '../../src/features/resample.js';
import { istft, spectrogram, stft } from '../../src/features/stft.js';
import { reference } from '../helpers/reference.js';
import { concat, noise, note, sine } from '../../src/synth/signals.js';
import { maxAbs, maxAbsDiff } from '../helpers/compare.js';

const SR = 16000;
const music = concat([
  note(60, 0.5, SR),
  note(64, 0.5, SR),
  note(67, 0.5, SR),
  noise(4000, 3, 0.1),
]);

describe('stft', () => {
  for (const cfg of [
    { nFft: 1024, hopLength: 160, winLength: 1024 },
    { nFft: 512, hopLength: 128, winLength: 400 },
  ]) {
    it(`matches torch.stft and torch.istft (n_fft ${cfg.nFft}, win ${cfg.winLength})`, () => {
      const ours = stft(music, cfg);
      const ref = reference<{ re: number[]; im: number[]; frames: number; istft: number[] }>(
        'stft',
        { ...cfg, istft: true },
        { x: music },
      );
      assert.equal(ours.frames, ref.frames);
      // Tolerance: float32 rounding of a 1024-point FFT, relative to the spectrum's peak.
      const peak = maxAbs(ref.re);
      assert.ok(
        maxAbsDiff(ours.re, ref.re) < 2e-5 * peak,
        `re differs by ${maxAbsDiff(ours.re, ref.re)}`,
      );
      assert.ok(maxAbsDiff(ours.im, ref.im) < 2e-5 * peak);
      const back = istft(ours, { ...cfg, length: music.length });
      assert.ok(
        maxAbsDiff(back, ref.istft) < 1e-5,
        `istft differs by ${maxAbsDiff(back, ref.istft)}`,
      );
      assert.ok(maxAbsDiff(back, music) < 1e-5, 'istft(stft(x)) reconstructs x');
    });
  }

  it('power spectrogram is |X|²', () => {
    const X = stft(music, { nFft: 1024, hopLength: 160 });
    const P = spectrogram(music, { nFft: 1024, hopLength: 160, power: 2 });
    const i = 40 * X.bins + 33;
    assert.ok(Math.abs(P.data[i] - (X.re[i] ** 2 + X.im[i] ** 2)) < 1e-3 * P.data[i]);
  });
});

describe('mel (AudioLDM front end)', () => {
  const ref = reference<{ mel: number[]; logMel: number[]; filterBank: number[]; frames: number }>(
    'mel',
    { ...AUDIOLDM_MEL },
    { x: music },
  );

  it('filter bank equals torchaudio melscale_fbanks(norm="slaney", mel_scale="slaney")', () => {
    const bins = AUDIOLDM_MEL.nFft / 2 + 1;
    const dense = new Float32Array(AUDIOLDM_MEL.nMels * bins);
    melFilterBank(AUDIOLDM_MEL).forEach((f, m) => dense.set(f.weights, m * bins + f.start));
    assert.ok(
      maxAbsDiff(dense, ref.filterBank) < 1e-7,
      `filter bank differs by ${maxAbsDiff(dense, ref.filterBank)}`,
    );
  });

  it('log-mel matches torchaudio MelSpectrogram + log(clamp(1e-5)) within 1e-3', () => {
    const ours = logMelSpectrogram(music);
    assert.equal(ours.frames, ref.frames);
    assert.equal(ours.bins, 64);
    // Where the mel is far above float32 noise the log agrees to 1e-3 (absolute, natural log).
    const mel = melSpectrogram(music);
    let worst = 0;
    for (let i = 0; i < ours.data.length; i++) {
      if (mel.data[i] > 1e-3) worst = Math.max(worst, Math.abs(ours.data[i] - ref.logMel[i]));
    }
    assert.ok(worst < 1e-3, `log-mel differs by ${worst}`);
    assert.ok(maxAbsDiff(mel.data, ref.mel) < 1e-4 * maxAbs(ref.mel));
  });

  it('gives 1025 frames for 10.24 s (AudioLDM then keeps 1024)', () => {
    assert.equal(melSpectrogram(new Float32Array(163840)).frames, 1025);
  });
});

describe('resample', () => {
  for (const [from, to] of [
    [16000, 22050],
    [44100, 16000],
    [48000, 16000],
  ]) {
    it(`${from} → ${to} Hz matches torchaudio.functional.resample`, () => {
      const x = concat([sine(440, 0.2, from), noise(Math.round(0.1 * from), 5, 0.3)]);
      const ours = resample(x, from, to);
      const ref = reference<{ y: number[] }>('resample', { from, to }, { x });
      assert.equal(ours.length, ref.y.length);
      assert.ok(maxAbsDiff(ours, ref.y) < 1e-5, `differs by ${maxAbsDiff(ours, ref.y)}`);
    });
  }
});

describe('griffinLim', () => {
  it('matches torchaudio GriffinLim(rand_init=False) and reconstructs the magnitude', () => {
    const x = concat([note(57, 0.3, SR), note(62, 0.3, SR)]);
    const cfg = { nFft: 512, hopLength: 128, winLength: 512 };
    const mag = spectrogram(x, { ...cfg, power: 1 });
    const opts = { ...cfg, iterations: 16, momentum: 0.99, length: x.length };
    const ours = griffinLim(mag, opts);
    const ref = reference<{ y: number[] }>(
      'griffinlim',
      { ...opts, frames: mag.frames },
      { mag: mag.data },
    );
    // Tolerance: 16 momentum iterations amplify float32 rounding (torch) vs float64 (ours);
    // the outputs still agree to 1 % RMS, where a wrong update rule differs by ~100 %.
    let err = 0;
    let pow = 0;
    for (let i = 0; i < ours.length; i++) {
      err += (ours[i] - ref.y[i]) ** 2;
      pow += ref.y[i] ** 2;
    }
    assert.ok(Math.sqrt(err / pow) < 0.01, `relative RMS difference ${Math.sqrt(err / pow)}`);
    // Spectral convergence ‖|STFT(y)| − M‖ / ‖M‖ well below 1 (0 would be perfect).
    const re = spectrogram(ours, { ...cfg, power: 1 });
    let num = 0;
    let den = 0;
    for (let i = 0; i < mag.data.length; i++) {
      num += (re.data[i] - mag.data[i]) ** 2;
      den += mag.data[i] ** 2;
    }
    assert.ok(Math.sqrt(num / den) < 0.2, `spectral convergence ${Math.sqrt(num / den)}`);
  });

  it('starts from a given phase: the true phase gives the signal back without iterating', () => {
    const x = concat([note(57, 0.3, SR), note(64, 0.3, SR)]);
    const cfg = { nFft: 512, hopLength: 128, winLength: 512 };
    const truth = stft(x, cfg);
    const mag = spectrogram(x, { ...cfg, power: 1 });
    const relErr = (y: Float32Array): number => {
      let err = 0;
      let pow = 0;
      for (let i = 256; i < x.length - 256; i++) {
        err += (y[i] - x[i]) ** 2;
        pow += x[i] ** 2;
      }
      return Math.sqrt(err / pow);
    };
    const opts = { ...cfg, iterations: 0, length: x.length };
    const fromTruth = griffinLim(mag, { ...opts, initialPhase: truth });
    const fromZero = griffinLim(mag, opts);
    // The true phase rebuilds the waveform to float precision; zero phase is ~100 % off.
    assert.ok(relErr(fromTruth) < 1e-3, `from the true phase: ${relErr(fromTruth)}`);
    assert.ok(relErr(fromZero) > 0.5, `from zero phase: ${relErr(fromZero)}`);
    // A signal given to start from is its STFT's phase, analysed inside the kernel.
    for (const iterations of [0, 4]) {
      const fromPhase = griffinLim(mag, { ...opts, iterations, initialPhase: truth });
      const fromSignal = griffinLim(mag, { ...opts, iterations, initialSignal: x });
      let worst = 0;
      for (let i = 0; i < x.length; i++)
        worst = Math.max(worst, Math.abs(fromSignal[i] - fromPhase[i]));
      assert.ok(worst < 1e-5, `${iterations} rounds from the signal vs its phase: ${worst}`);
    }
    // And iterating from the true phase stays there (a consistent spectrogram is a fixed point).
    const iterated = griffinLim(mag, { ...opts, iterations: 8, initialPhase: truth });
    assert.ok(relErr(iterated) < 1e-2, `8 iterations from the true phase: ${relErr(iterated)}`);
  });
});
