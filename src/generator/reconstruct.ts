import { modelVocoder, vocodeLong, type VocoderName } from '../decoder/vocoders.js';
import { logMelBandMajor, type MelOptions } from '../features/mel.js';
import type { GeneratorModel, ModelManifest } from './model-folder.js';
import { loadVaeEncoder } from './model-folder.js';

/** How far into the model a reconstruction goes before it comes back out. */
export const RECONSTRUCTION_PATHS = ['vae', 'vocoder'] as const;
export type ReconstructionPath = (typeof RECONSTRUCTION_PATHS)[number];

export interface ReconstructOptions {
  /** 'vae': front end → VAE encoder → decoder → vocoder (what a generation goes through);
   * 'vocoder': front end → vocoder (the decoder's ceiling). */
  path: ReconstructionPath;
  vocoder: VocoderName;
}

/** The model's own front end (manifest `mel`) as the DSP's options. */
export function modelMelOptions(m: ModelManifest): MelOptions {
  return {
    sampleRate: m.sampleRate,
    nFft: m.mel.nFft,
    hopLength: m.mel.hopLength,
    winLength: m.mel.winLength,
    center: true,
    padMode: 'reflect',
    nMels: m.mel.nMels,
    fMin: m.mel.fMin,
    fMax: m.mel.fMax,
    power: m.mel.power,
  };
}

/**
 * Audio at the model's rate through the model's representation and back: what the model can
 * keep of a piece at best (a generation is decoded the same way). Any length: the log-mel is
 * cut into the model's windows (the last one padded with each band's quietest value), each
 * window encoded to the posterior mean and decoded, and the decoded mel vocoded in 30 s pieces
 * crossfaded over 0.5 s (`vocodeLong`).
 */
export async function reconstructAudio(
  model: GeneratorModel,
  audio: Float32Array,
  opts: ReconstructOptions,
): Promise<{ audio: Float32Array; mel: Float32Array; melFrames: number }> {
  const m = model.manifest;
  const input = logMelBandMajor(audio, modelMelOptions(m));
  let mel = input.data;
  if (opts.path === 'vae') mel = await throughVae(model, input.data, input.frames);
  const out = await vocodeLong(
    modelVocoder(model, opts.vocoder),
    mel,
    input.frames,
    m.mel.nMels,
    m.mel.hopLength,
  );
  return { audio: out.subarray(0, audio.length), mel, melFrames: input.frames };
}

/** [bands × frames] log-mel → the VAE's reconstruction of it, window by window. */
async function throughVae(
  model: GeneratorModel,
  mel: Float32Array,
  frames: number,
): Promise<Float32Array> {
  const m = model.manifest;
  const bands = m.mel.nMels;
  const window = m.frames;
  const encoder = await loadVaeEncoder(model);
  const floor = new Float32Array(bands).fill(Infinity);
  for (let b = 0; b < bands; b++)
    for (let t = 0; t < frames; t++) floor[b] = Math.min(floor[b], mel[b * frames + t]);
  const out = new Float32Array(bands * frames);
  const chunk = new Float32Array(bands * window);
  for (let start = 0; start < frames; start += window) {
    const n = Math.min(window, frames - start);
    for (let b = 0; b < bands; b++)
      for (let t = 0; t < window; t++)
        chunk[b * window + t] = t < n ? mel[b * frames + start + t] : floor[b];
    const latent = (
      await encoder.run({ [encoder.inputs[0].name]: { data: chunk, dims: [1, bands, window] } })
    )[encoder.outputs[0].name];
    const decoded = (await model.vaeDecoder.run({ latent })).mel.data;
    for (let b = 0; b < bands; b++)
      out.set(decoded.subarray(b * window, b * window + n), b * frames + start);
  }
  return out;
}
