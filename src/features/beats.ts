import type { Bpm } from '../units.js';

export interface BeatTrackOptions {
  frameRate: number;
  /** How strongly beat spacing is held to the tempo (Ellis / librosa: 100). */
  tightness?: number;
  /** Drop leading/trailing beats that sit on weak onsets. */
  trim?: boolean;
}

/**
 * Dynamic-programming beat tracker (Ellis 2007, the algorithm of librosa.beat.beat_track):
 * the onset envelope, scaled by its standard deviation, is smoothed with a Gaussian a beat
 * period wide (the "local score"); each frame's cumulative score is its local score plus the
 * best predecessor half a period to two periods back, penalised by tightness · log²(gap/period);
 * the path is traced back from the last strong local maximum. Returns beat frame indices.
 */
export function trackBeats(envelope: Float32Array, tempo: Bpm, opts: BeatTrackOptions): number[] {
  const n = envelope.length;
  if (n === 0 || !(tempo > 0)) return [];
  const tightness = opts.tightness ?? 100;
  const period = Math.round((opts.frameRate * 60) / tempo);
  if (period < 1) return [];

  // Scale by the sample standard deviation so the score does not depend on loudness.
  let mean = 0;
  for (const v of envelope) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of envelope) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / Math.max(1, n - 1)) || 1;

  const kernel = Array.from({ length: 2 * period + 1 }, (_, i) =>
    Math.exp(-0.5 * (((i - period) * 32) / period) ** 2),
  );
  const local = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = -period; k <= period; k++) {
      const j = i + k;
      if (j >= 0 && j < n) acc += kernel[k + period] * (envelope[j] / sd);
    }
    local[i] = acc;
  }

  let localMax = 0;
  for (const v of local) localMax = Math.max(localMax, v);
  const threshold = 0.01 * localMax;
  const cum = new Float64Array(n);
  const back = new Int32Array(n).fill(-1);
  let started = false;
  const logPeriod = Math.log(period);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let at = -1;
    for (let loc = i - Math.round(period / 2); loc >= Math.max(0, i - 2 * period); loc--) {
      const s = cum[loc] - tightness * (Math.log(i - loc) - logPeriod) ** 2;
      if (s > best) {
        best = s;
        at = loc;
      }
    }
    cum[i] = at >= 0 ? local[i] + best : local[i];
    // Until the music starts, frames do not link back: the first beat can be anywhere.
    if (!started && local[i] < threshold) back[i] = -1;
    else {
      back[i] = at;
      started = true;
    }
  }

  // Last beat: the latest local maximum of the cumulative score above half their median.
  const peaks: number[] = [];
  for (let i = 0; i < n; i++) {
    const left = i === 0 ? -Infinity : cum[i - 1];
    const right = i === n - 1 ? -Infinity : cum[i + 1];
    if (cum[i] > left && cum[i] >= right) peaks.push(cum[i]);
  }
  const sorted = [...peaks].sort((a, b) => a - b);
  const median = sorted.length
    ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2
    : 0;
  let tail = n - 1;
  for (let i = n - 1; i >= 0; i--) {
    const left = i === 0 ? -Infinity : cum[i - 1];
    const right = i === n - 1 ? -Infinity : cum[i + 1];
    if (cum[i] > left && cum[i] >= right && cum[i] >= 0.5 * median) {
      tail = i;
      break;
    }
  }
  const beats: number[] = [];
  for (let i = tail; i >= 0; i = back[i]) beats.push(i);
  beats.reverse();

  if (opts.trim ?? true) {
    // Weak beats at either end are usually the tracker extrapolating into silence.
    const rms = Math.sqrt(beats.reduce((s, b) => s + local[b] ** 2, 0) / Math.max(1, beats.length));
    const cut = 0.5 * rms;
    while (beats.length && local[beats[0]] <= cut) beats.shift();
    while (beats.length && local[beats[beats.length - 1]] <= cut) beats.pop();
  }
  return beats;
}
