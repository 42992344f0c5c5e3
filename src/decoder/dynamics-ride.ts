import {
  DYNAMICS,
  frameEnergyDb,
  smoothDynamics,
  type DynamicsOptions,
} from '../features/dynamics.js';

/**
 * S-Control's last stage for dynamics: a fader ride. The control branch shapes the music toward a
 * reference's dynamics (how busy and how loud it plays), but on held-out clips its output's
 * level curve follows the reference's only loosely (dynamics r 0.62 per clip on 100 test clips,
 * BENCHMARKS "S-Control: guidance against the branch's own null, and the dynamics ride"), where
 * a mixing engineer asked for "these dynamics" would ride the fader. The ride reads the
 * generation's frame energies once, exactly as the control was read (features/dynamics.ts:
 * audible-band energy in dB, then Savitzky–Golay over 2.79 s), and finds a smooth gain curve g
 * (dB per frame) with S(e + g) = goal, S the smoother, e the frame energies: a gain slow next to
 * the 64 ms analysis window adds g to each frame's dB.
 * Why a solve: applying goal − S(e) directly leaves errors of several dB where S's response is
 * well below 1 (phrase-length wiggles), and re-reading and correcting diverges where S's response
 * is negative; the Landweber iteration g ← g + μ·S(goal − S(e + g)) converges (S² ≥ 0) and only
 * ever adds smoothed terms, so g stays phrase-level: no note-level pumping. One read of the
 * audio (an STFT, 8 ms for 10 s) and 24 iterations on 1 000-frame curves: 28 ms a window.
 */
export interface DynamicsRideOptions {
  /** Most gain up (dB; default 24): a silent stretch is not lifted into its noise floor. */
  maxGainDb?: number;
  /** Most gain down (dB; default 80): a generation that blew up is brought down to the level. */
  maxCutDb?: number;
  /** 0 … 1: the share of the difference applied (the control scale, capped at 1). */
  amount?: number;
  /**
   * Samples read and ridden (default all); later ones take the gain of the span's end. A
   * generation's learnt padding past its music is quiet: read with the music, it would pull the
   * smoothed level of the music's last seconds down and the ride would lift them.
   */
  span?: number;
  /** Landweber iterations of the solve (default 24). */
  iterations?: number;
  dynamics?: DynamicsOptions;
}

export const RIDE_MAX_GAIN_DB = 24;
export const RIDE_MAX_CUT_DB = 80;
/**
 * The Landweber step: g ← g + μ·S(goal − S(e + g)) converges for μ·max|H(f)|² < 2, H the
 * smoother's response (≤ 1 but for a ripple); 1.8 reaches in 12 iterations what 1 does in 24.
 */
const STEP = 1.8;

/**
 * `audio` (at `dynamics.sampleRate`) with its dynamics brought to `target` (dB per frame on the
 * dynamics' hop; frames past the target's end take its last value). Returns a new array.
 */
export function rideDynamics(
  audio: Float32Array,
  target: ArrayLike<number>,
  opts: DynamicsRideOptions = {},
): Float32Array {
  const d = opts.dynamics ?? DYNAMICS;
  const maxGain = opts.maxGainDb ?? RIDE_MAX_GAIN_DB;
  const maxCut = opts.maxCutDb ?? RIDE_MAX_CUT_DB;
  const amount = Math.min(1, Math.max(0, opts.amount ?? 1));
  const out = Float32Array.from(audio);
  const span = Math.min(audio.length, opts.span ?? audio.length);
  if (amount === 0 || target.length === 0 || span === 0) return out;
  const energy = frameEnergyDb(out.subarray(0, span), d);
  const frames = energy.length;
  const own = smoothDynamics(energy, d);
  // The curve to reach: the reference's, or part of the way there from the generation's own.
  const goal = Float32Array.from(own, (v, t) => {
    const want = target[Math.min(t, target.length - 1)];
    return v + Math.max(-maxCut, Math.min(maxGain, amount * (want - v)));
  });
  const gainDb = Float32Array.from(goal, (v, t) => v - own[t]);
  const ridden = new Float32Array(frames);
  for (let it = 0; it < (opts.iterations ?? 24); it++) {
    for (let t = 0; t < frames; t++) ridden[t] = energy[t] + gainDb[t];
    const read = smoothDynamics(ridden, d);
    for (let t = 0; t < frames; t++) read[t] = goal[t] - read[t];
    const step = smoothDynamics(read, d);
    for (let t = 0; t < frames; t++) {
      gainDb[t] = Math.max(-maxCut, Math.min(maxGain, gainDb[t] + STEP * step[t]));
    }
  }
  const gain = Float32Array.from(gainDb, (db) => 10 ** (db / 20));
  // Frame t is centred on sample t·hop (a centred STFT): interpolate the gain between centres.
  const hop = d.hopLength;
  for (let n = 0; n < out.length; n++) {
    const pos = Math.min(n, span - 1) / hop;
    const t = Math.min(frames - 1, Math.floor(pos));
    const next = Math.min(frames - 1, t + 1);
    const w = pos - t;
    out[n] *= gain[t] * (1 - w) + gain[next] * w;
  }
  return out;
}
