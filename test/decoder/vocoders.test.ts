import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { griffinLimVocoder, melToLinear, vocodeLong } from '../../src/decoder/vocoders.js';
import { AUDIOLDM_MEL, logMelBandMajor, melFilterBank } from '../../src/features/mel.js';
import type { ModelManifest } from '../../src/generator/model-folder.js';
import { spectrogram } from '../../src/features/stft.js';

const mel = { ...AUDIOLDM_MEL, winLength: 1024, logFloor: 1e-5, mean: 0, std: 1 };
const manifest = { sampleRate: 16000, mel } as unknown as ModelManifest;

function tone(hz: number, seconds: number, sr = 16000): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sr) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr),
  );
}

/** The front end's log-mel, transposed to the VAE decoder's [band × frame] layout. */

describe('Griffin-Lim vocoder (no weights)', () => {
  it('melToLinear finds a non-negative spectrum whose mel is the given mel', () => {
    const x = tone(440, 0.5);
    const lin = spectrogram(x, { nFft: 1024, hopLength: 160, power: 1 });
    const filters = melFilterBank({ ...AUDIOLDM_MEL });
    const frames = lin.frames;
    const y = new Float32Array(64 * frames);
    for (let t = 0; t < frames; t++)
      filters.forEach(({ start, weights }, b) => {
        let s = 0;
        for (let j = 0; j < weights.length; j++)
          s += weights[j] * lin.data[t * lin.bins + start + j];
        y[b * frames + t] = s;
      });
    const r = melToLinear(y, frames, { ...mel, sampleRate: 16000 }, 100);
    assert.ok(r.data.every((v) => v >= 0));
    let err = 0;
    let norm = 0;
    for (let t = 0; t < frames; t++)
      filters.forEach(({ start, weights }, b) => {
        let s = 0;
        for (let j = 0; j < weights.length; j++) s += weights[j] * r.data[t * r.bins + start + j];
        err += (s - y[b * frames + t]) ** 2;
        norm += y[b * frames + t] ** 2;
      });
    assert.ok(Math.sqrt(err / norm) < 0.05, `relative mel error ${Math.sqrt(err / norm)}`);
  });

  it('turns the log-mel of a 440 Hz tone back into a 440 Hz tone', async () => {
    const x = tone(440, 1);
    const { data, frames } = logMelBandMajor(x);
    const y = await griffinLimVocoder(manifest)(data, frames);
    assert.equal(y.length, frames * 160);
    // Its spectrum peaks at 440 Hz within a mel band (64 Slaney bands to 8 kHz are 47 Hz wide
    // there: the mel holds no finer pitch), and its mel matches the input's.
    const s = spectrogram(y.subarray(1600, 14400), { nFft: 1024, hopLength: 512, power: 1 });
    const mean = new Float32Array(s.bins);
    for (let t = 0; t < s.frames; t++)
      for (let k = 0; k < s.bins; k++) mean[k] += s.data[t * s.bins + k];
    const peak = mean.indexOf(Math.max(...mean));
    assert.ok(Math.abs((peak * 16000) / 1024 - 440) <= 47, `peak at ${(peak * 16000) / 1024} Hz`);
    const back = logMelBandMajor(y);
    let l1 = 0;
    for (let b = 0; b < 64; b++)
      for (let t = 0; t < frames; t++)
        l1 += Math.abs(back.data[b * back.frames + t] - data[b * frames + t]) / (64 * frames);
    assert.ok(l1 < 1.0, `log-mel L1 ${l1}`);
  });
});

describe('vocodeLong', () => {
  it('hands the vocoder no more than a chunk at a time, and puts each frame back where it was', async () => {
    const bands = 4;
    const hop = 10;
    const frames = 7000;
    // A frame-wise vocoder: frame t's samples all equal band 0 of frame t (so position shows).
    const seen: number[] = [];
    const frameWise = async (mel: Float32Array, n: number): Promise<Float32Array> => {
      seen.push(n);
      const y = new Float32Array(n * hop);
      for (let t = 0; t < n; t++) y.fill(mel[t], t * hop, (t + 1) * hop);
      return y;
    };
    const mel = Float32Array.from({ length: bands * frames }, (_, i) =>
      i < frames ? Math.sin(i / 37) : 0,
    );
    const y = await vocodeLong(frameWise, mel, frames, bands, hop, 3000, 50);
    assert.equal(y.length, frames * hop);
    assert.ok(Math.max(...seen) <= 3000, `pieces ${seen}`);
    assert.equal(
      seen.reduce((a, b) => a + b, 0),
      frames + 50 * (seen.length - 1),
    );
    // Outside the 50-frame crossfades every sample is its own frame's value.
    const crossfades = [2950, 5900];
    for (let t = 0; t < frames; t++) {
      if (crossfades.some((c) => t >= c && t < c + 50)) continue;
      assert.ok(Math.abs(y[t * hop] - mel[t]) < 1e-6, `frame ${t}: ${y[t * hop]} vs ${mel[t]}`);
    }
    // A short mel goes through in one piece, untouched.
    seen.length = 0;
    const short = await vocodeLong(frameWise, mel.subarray(0, bands * 100), 100, bands, hop);
    assert.deepEqual(seen, [100]);
    assert.equal(short.length, 100 * hop);
  });
});
