import type { Bpm } from '../units.js';
import { RealFft } from './fft.js';
import { hannWindow } from './window.js';

export interface TempoOptions {
  /** Onset-envelope frames per second (sr / hop: 22050 / 512 ≈ 43.07). */
  frameRate: number;
  /** Autocorrelation window in frames (librosa: 384 ≈ 8.9 s at 43 fps). */
  windowFrames?: number;
  /** Frames between analysed windows; the mean over windows changes little below ~1/8 window. */
  windowHop?: number;
  /** Centre of the log-normal tempo prior (librosa: 120 BPM) … */
  startBpm?: Bpm;
  /** … and its width in octaves (librosa: 1). */
  stdOctaves?: number;
  maxBpm?: Bpm;
}

/**
 * Global tempo from an onset-strength envelope, after Ellis (2007) as librosa.feature.tempo:
 * the mean of Hann-windowed local autocorrelations (each scaled so lag 0 is 1), weighted by a
 * log-normal prior over BPM centred on 120; the best lag is refined by parabolic interpolation
 * (librosa stops at the integer lag, which at 43 fps is a 5 % step near 120 BPM).
 */
export function estimateTempo(envelope: Float32Array, opts: TempoOptions): Bpm {
  const win = opts.windowFrames ?? 384;
  const hop = opts.windowHop ?? Math.max(1, Math.floor(win / 8));
  const startBpm = opts.startBpm ?? 120;
  const std = opts.stdOctaves ?? 1;
  const maxBpm = opts.maxBpm ?? 320;
  let size = 4;
  while (size < 2 * win) size *= 2;
  const fft = new RealFft(size);
  const window = hannWindow(win);
  const acf = new Float64Array(win);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  const lagBuffer = new Float64Array(size);
  let count = 0;
  const n = envelope.length;
  for (let centre = 0; centre < Math.max(n, 1); centre += hop) {
    const frame = fft.frame;
    frame.fill(0);
    const start = centre - Math.floor(win / 2);
    let energy = 0;
    for (let i = 0; i < win; i++) {
      const j = start + i;
      const v = j >= 0 && j < n ? envelope[j] * window[i] : 0;
      frame[i] = v;
      energy += v * v;
    }
    if (energy === 0) continue;
    const s = fft.forward();
    for (let k = 0; k < fft.bins; k++) {
      re[k] = s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
      im[k] = 0;
    }
    fft.inverse(re, im, lagBuffer);
    const zero = lagBuffer[0];
    for (let l = 0; l < win; l++) acf[l] += lagBuffer[l] / zero;
    count++;
  }
  if (count === 0) return 0;
  const score = new Float64Array(win).fill(-Infinity);
  for (let l = 1; l < win; l++) {
    const bpm = (60 * opts.frameRate) / l;
    if (bpm > maxBpm) continue;
    const prior = -0.5 * ((Math.log2(bpm) - Math.log2(startBpm)) / std) ** 2;
    score[l] = Math.log(1e-10 + acf[l] / count) + prior;
  }
  let best = 1;
  for (let l = 1; l < win; l++) if (score[l] > score[best]) best = l;
  let lag = best;
  if (
    best > 1 &&
    best < win - 1 &&
    Number.isFinite(score[best - 1]) &&
    Number.isFinite(score[best + 1])
  ) {
    const [a, b, c] = [score[best - 1], score[best], score[best + 1]];
    const denom = a - 2 * b + c;
    if (denom < 0) lag = best + (0.5 * (a - c)) / denom;
  }
  return (60 * opts.frameRate) / lag;
}
