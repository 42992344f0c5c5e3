import { griffinLim } from '../features/griffin-lim.js';
import { melFilterBank } from '../features/mel.js';
import type { OnnxModel } from '../onnx/model.js';
import type { GeneratorModel, ModelManifest } from '../generator/model-folder.js';

/** Log-mel [nMels × frames] (row-major by band, the VAE decoder's layout) → waveform. */
export type Vocoder = (logMel: Float32Array, frames: number) => Promise<Float32Array>;

export const VOCODERS = ['neural', 'griffin-lim'] as const;
export type VocoderName = (typeof VOCODERS)[number];

/** The model folder's trained vocoder (mel → STFT → iSTFT head, one ONNX session). */
export function neuralVocoder(model: OnnxModel, nMels: number): Vocoder {
  return async (logMel, frames) =>
    (await model.run({ [model.inputs[0].name]: { data: logMel, dims: [1, nMels, frames] } }))[
      model.outputs[0].name
    ].data;
}

/**
 * Mel magnitudes → linear-frequency magnitudes: the non-negative least-squares solution of
 * M x = y per frame (M the mel filter bank), by Lee–Seung multiplicative updates started from
 * Mᵀ y. librosa's mel_to_stft solves the same problem (with a different NNLS solver).
 */
export function melToLinear(
  mel: Float32Array,
  frames: number,
  m: ModelManifest['mel'] & { sampleRate: number },
  iterations = 30,
): { data: Float32Array; bins: number } {
  const bins = m.nFft / 2 + 1;
  const filters = melFilterBank(m);
  const x = new Float32Array(frames * bins);
  const y = new Float32Array(m.nMels);
  const mx = new Float32Array(m.nMels);
  const num = new Float32Array(bins);
  const den = new Float32Array(bins);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < m.nMels; b++) y[b] = mel[b * frames + t];
    const xt = x.subarray(t * bins, (t + 1) * bins);
    // Start: Mᵀ y.
    filters.forEach(({ start, weights }, b) => {
      for (let j = 0; j < weights.length; j++) xt[start + j] += weights[j] * y[b];
    });
    for (let it = 0; it < iterations; it++) {
      mx.fill(0);
      filters.forEach(({ start, weights }, b) => {
        let s = 0;
        for (let j = 0; j < weights.length; j++) s += weights[j] * xt[start + j];
        mx[b] = s;
      });
      num.fill(0);
      den.fill(0);
      filters.forEach(({ start, weights }, b) => {
        for (let j = 0; j < weights.length; j++) {
          num[start + j] += weights[j] * y[b];
          den[start + j] += weights[j] * mx[b];
        }
      });
      for (let k = 0; k < bins; k++) xt[k] *= den[k] > 0 ? num[k] / (den[k] + 1e-12) : 0;
    }
  }
  return { data: x, bins };
}

/**
 * The fallback that needs no weights: log-mel → mel magnitude → linear magnitude (NNLS) →
 * fast Griffin-Lim (32 iterations, momentum 0.99). Slower and phasier than the neural vocoder.
 */
export function griffinLimVocoder(manifest: ModelManifest): Vocoder {
  const m = { ...manifest.mel, sampleRate: manifest.sampleRate };
  return async (logMel, frames) => {
    const mel = Float32Array.from(logMel, Math.exp);
    const linear = melToLinear(mel, frames, m);
    return griffinLim(
      { frames, bins: linear.bins, data: linear.data },
      {
        nFft: m.nFft,
        hopLength: m.hopLength,
        winLength: m.winLength,
        length: frames * m.hopLength,
      },
    );
  };
}

/** A model folder's vocoder by name: its trained network, or Griffin-Lim on its front end. */
export function modelVocoder(
  model: Pick<GeneratorModel, 'vocoder' | 'manifest'>,
  name: VocoderName,
): Vocoder {
  return name === 'neural'
    ? neuralVocoder(model.vocoder, model.manifest.mel.nMels)
    : griffinLimVocoder(model.manifest);
}
