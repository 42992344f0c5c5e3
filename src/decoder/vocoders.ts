import { griffinLim } from '../features/griffin-lim.js';
import { dspInstance } from '../features/wasm.js';
import { melFilterBank } from '../features/mel.js';
import { joinWindows } from './join-windows.js';
import type { OnnxModel } from '../onnx/model.js';
import type { GeneratorModel, ModelManifest } from '../generator/model-folder.js';

/**
 * Log-mel [nMels × frames] (row-major by band, the VAE decoder's layout) → waveform.
 * `onOneCore` is told when what is left runs on one core (the DSP after the network), so a
 * caller may start work of its own on the others.
 */
export type Vocoder = (
  logMel: Float32Array,
  frames: number,
  onOneCore?: () => void,
) => Promise<Float32Array>;

export const VOCODERS = ['neural', 'griffin-lim', 'hybrid'] as const;
export type VocoderName = (typeof VOCODERS)[number];

/** The model folder's trained vocoder (mel → STFT → iSTFT head, one ONNX session). */
export function neuralVocoder(model: OnnxModel, nMels: number): Vocoder {
  return async (logMel, frames, onOneCore) => {
    const out = await model.run({
      [model.inputs[0].name]: { data: logMel, dims: [1, nMels, frames] },
    });
    onOneCore?.();
    return out[model.outputs[0].name].data;
  };
}

/** e^x of each value: a plain loop, 4× faster in V8 than Float32Array.from(x, Math.exp). */
function exponentiate(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  return y;
}

/**
 * Mel magnitudes → linear-frequency magnitudes: the non-negative least-squares solution of
 * M x = y per frame (M the mel filter bank), by Lee–Seung multiplicative updates started from
 * Mᵀ y. librosa's mel_to_stft solves the same problem (with a different NNLS solver). The
 * updates run in WebAssembly (assembly/nnls.ts).
 */
export function melToLinear(
  mel: Float32Array,
  frames: number,
  m: ModelManifest['mel'] & { sampleRate: number },
  iterations = 30,
): { data: Float32Array; bins: number } {
  const bins = m.nFft / 2 + 1;
  const filters = melFilterBank(m);
  const weightCount = filters.reduce((n, f) => n + f.weights.length, 0);
  const wasm = dspInstance();
  wasm.nnlsInit(filters.length, bins, weightCount, frames);
  // Views after every allocation: they die when the memory grows.
  const buf = wasm.memory.buffer;
  const starts = new Int32Array(buf, wasm.nnlsStarts(), filters.length);
  const ends = new Int32Array(buf, wasm.nnlsEnds(), filters.length);
  const offsets = new Int32Array(buf, wasm.nnlsOffsets(), filters.length);
  const weights = new Float32Array(buf, wasm.nnlsWeights(), weightCount);
  let at = 0;
  filters.forEach((f, b) => {
    starts[b] = f.start;
    ends[b] = f.start + f.weights.length;
    offsets[b] = at;
    weights.set(f.weights, at);
    at += f.weights.length;
  });
  new Float32Array(buf, wasm.nnlsMel(), filters.length * frames).set(
    mel.subarray(0, filters.length * frames),
  );
  wasm.nnlsRun(iterations);
  return { data: new Float32Array(buf, wasm.nnlsOut(), frames * bins).slice(), bins };
}

/**
 * The fallback that needs no weights: log-mel → mel magnitude → linear magnitude (NNLS) →
 * fast Griffin-Lim (32 iterations, momentum 0.99). Slower and phasier than the neural vocoder.
 */
export function griffinLimVocoder(manifest: ModelManifest): Vocoder {
  const m = { ...manifest.mel, sampleRate: manifest.sampleRate };
  return async (logMel, frames, onOneCore) => {
    onOneCore?.();
    const mel = exponentiate(logMel);
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

/** How hard the hybrid vocoder works: NNLS updates for the magnitudes, Griffin-Lim rounds. */
export interface HybridOptions {
  nnlsIterations: number;
  griffinLimIterations: number;
}

/**
 * The neural vocoder's phase on the mel's own magnitudes: the network's waveform is analysed
 * at the front end's STFT (n_fft 1024: finer bins than the network's 640-point head), its
 * phase kept, its magnitudes replaced by the mel's linear reading (NNLS), and a few fast
 * Griffin-Lim rounds make the two consistent. Why: measured on unseen music through the
 * candidate's VAE (BENCHMARKS.md, issue 11), the network's phase is good but its magnitudes
 * lose pitch (melody 62 % vs 72 % this way) and add noise; Griffin-Lim from zero phase needs
 * 32 rounds and still ends further from the original (MR-STFT) than 6 rounds from this start
 * (6, not 8: the last two gained 0.005 of MR-STFT and cost 40 ms of a 10 s clip's 2 s budget).
 */
export function hybridVocoder(
  model: OnnxModel,
  manifest: ModelManifest,
  opts: HybridOptions = { nnlsIterations: 10, griffinLimIterations: 6 },
): Vocoder {
  const neural = neuralVocoder(model, manifest.mel.nMels);
  const m = { ...manifest.mel, sampleRate: manifest.sampleRate };
  const stftOpts = {
    nFft: m.nFft,
    hopLength: m.hopLength,
    winLength: m.winLength,
    center: true,
    padMode: 'reflect' as const,
  };
  return async (logMel, frames, onOneCore) => {
    const wave = await neural(logMel, frames, onOneCore);
    const linear = melToLinear(exponentiate(logMel), frames, m, opts.nnlsIterations);
    return griffinLim(
      { frames, bins: linear.bins, data: linear.data },
      {
        ...stftOpts,
        iterations: opts.griffinLimIterations,
        initialSignal: wave,
        length: frames * m.hopLength,
      },
    );
  };
}

/** A model folder's vocoder by name: its trained network, Griffin-Lim on its front end, or
 * the two together (hybrid). */
export function modelVocoder(
  model: Pick<GeneratorModel, 'vocoder' | 'manifest'>,
  name: VocoderName,
): Vocoder {
  switch (name) {
    case 'neural':
      return neuralVocoder(model.vocoder, model.manifest.mel.nMels);
    case 'griffin-lim':
      return griffinLimVocoder(model.manifest);
    case 'hybrid':
      return hybridVocoder(model.vocoder, model.manifest);
  }
}

/** The vocoder a model folder asks for (its manifest's default; the network if it names none). */
export function defaultVocoderName(manifest: ModelManifest): VocoderName {
  return manifest.defaults.vocoder ?? 'neural';
}

/** How long a mel `vocodeLong` hands a vocoder at once, and how much consecutive pieces share. */
export const VOCODE_CHUNK_FRAMES = 3000;
export const VOCODE_OVERLAP_FRAMES = 50;

/**
 * Vocode a mel of any length in pieces of `chunkFrames` (30 s at 100 frames/s) that overlap by
 * `overlapFrames`, joined by an equal-power crossfade. Why: a vocoder's memory grows with the
 * length it is given — the candidate's network holds a [bins × frames × 32] tensor for its
 * local frequency, and a 3.5 min piece took 4.5 GB in one go.
 */
export async function vocodeLong(
  vocoder: Vocoder,
  logMel: Float32Array,
  frames: number,
  bands: number,
  hopLength: number,
  chunkFrames = VOCODE_CHUNK_FRAMES,
  overlapFrames = VOCODE_OVERLAP_FRAMES,
): Promise<Float32Array> {
  if (frames <= chunkFrames) return vocoder(logMel, frames);
  const parts: { offset: number; audio: Float32Array }[] = [];
  const step = chunkFrames - overlapFrames;
  for (let start = 0; start < frames; start += step) {
    const n = Math.min(chunkFrames, frames - start);
    const piece = new Float32Array(bands * n);
    for (let b = 0; b < bands; b++)
      piece.set(logMel.subarray(b * frames + start, b * frames + start + n), b * n);
    parts.push({ offset: start * hopLength, audio: await vocoder(piece, n) });
    if (start + n >= frames) break;
  }
  return joinWindows(parts, frames * hopLength);
}
