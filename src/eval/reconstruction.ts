import { dynamicsControl } from '../features/dynamics.js';
import { spectralFlatness } from '../features/flatness.js';
import { logMelBandMajor } from '../features/mel.js';
import { melodyControl } from '../features/melody.js';
import { spectrogram } from '../features/stft.js';
import { dynamicsCorrelation, melodyAccuracy } from './control-fidelity.js';

/**
 * What a path through the audio representation keeps of a piece (issue 11's table): the
 * original and its reconstruction, both 16 kHz mono, read by the same front ends.
 */
export interface ReconstructionReport {
  /** Share of frames whose argmax pitch class matches the original's (chance ≈ 1/12). */
  melodyAccuracy: number;
  /** Pearson r of the dynamics controls (smoothed frame energy in dB). */
  dynamicsR: number;
  /** Mean |Δ| of the paper's 64-band AudioLDM log-mels (natural-log units). */
  melL1: number;
  /** Multi-resolution STFT distance (spectral convergence + log-magnitude L1, 3 sizes). */
  mrStft: number;
  /** Spectral flatness 100–4000 Hz of the original and the reconstruction, and their ratio. */
  flatness: { original: number; output: number; ratio: number };
}

/** Mean |a − b| over the frames both [band × frame] log-mels have. */
export function logMelL1(
  a: { data: Float32Array; frames: number },
  b: { data: Float32Array; frames: number },
  bands: number,
): number {
  const f = Math.min(a.frames, b.frames);
  let s = 0;
  for (let k = 0; k < bands; k++)
    for (let t = 0; t < f; t++) s += Math.abs(a.data[k * a.frames + t] - b.data[k * b.frames + t]);
  return s / (bands * f);
}

/**
 * Multi-resolution STFT distance (Parallel WaveGAN's loss as a metric): spectral convergence
 * ‖|X| − |Y|‖ / ‖|X|‖ + mean |log|Y| − log|X|| at (512, 128), (1024, 256), (2048, 512),
 * averaged. 0 for identical signals; training/filmscore_training/vocoder.py trains on it.
 */
export function multiResolutionStftDistance(y: Float32Array, x: Float32Array): number {
  const n = Math.min(y.length, x.length);
  const sizes = [
    [512, 128],
    [1024, 256],
    [2048, 512],
  ];
  let total = 0;
  for (const [nFft, hopLength] of sizes) {
    const Y = spectrogram(y.subarray(0, n), { nFft, hopLength, power: 1 }).data;
    const X = spectrogram(x.subarray(0, n), { nFft, hopLength, power: 1 }).data;
    let diff = 0;
    let norm = 0;
    let mag = 0;
    for (let i = 0; i < X.length; i++) {
      diff += (X[i] - Y[i]) ** 2;
      norm += X[i] ** 2;
      mag += Math.abs(Math.log(Math.max(Y[i], 1e-5)) - Math.log(Math.max(X[i], 1e-5)));
    }
    total += Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-7) + mag / X.length;
  }
  return total / sizes.length;
}

/** Compare a reconstruction with its original (both 16 kHz mono; cut to the shorter). */
export function reconstructionReport(
  original: Float32Array,
  output: Float32Array,
): ReconstructionReport {
  const n = Math.min(original.length, output.length);
  const x = original.subarray(0, n);
  const y = output.subarray(0, n);
  const flatOriginal = spectralFlatness(x);
  const flatOutput = spectralFlatness(y);
  return {
    melodyAccuracy: melodyAccuracy(melodyControl(x), melodyControl(y)),
    dynamicsR: dynamicsCorrelation(dynamicsControl(x), dynamicsControl(y)),
    melL1: logMelL1(logMelBandMajor(y), logMelBandMajor(x), 64),
    mrStft: multiResolutionStftDistance(y, x),
    flatness: { original: flatOriginal, output: flatOutput, ratio: flatOutput / flatOriginal },
  };
}
