import { midiToHz } from '../units.js';

/**
 * Synthetic signals with known answers (pitch, onset times, levels): test material for the
 * feature extractors and the demo clip. Deterministic: the same call gives the same samples.
 */

/** Deterministic pseudo-random numbers (mulberry32), so test signals are the same every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function noise(n: number, seed = 1, amplitude = 0.5): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * amplitude);
}

export function sine(freq: number, seconds: number, sr: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sr) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / sr),
  );
}

/** A harmonic tone (fundamental + decaying partials), like an instrument note. */
export function note(midi: number, seconds: number, sr: number, amplitude = 0.4): Float32Array {
  const f0 = midiToHz(midi);
  const n = Math.round(seconds * sr);
  const y = new Float32Array(n);
  for (let h = 1; h <= 4; h++) {
    if (f0 * h >= sr / 2) break;
    const a = amplitude / h ** 1.5;
    for (let i = 0; i < n; i++) y[i] += a * Math.sin((2 * Math.PI * f0 * h * i) / sr);
  }
  return y;
}

/** Short decaying noise bursts ("clicks") at the given times. */
export function clicks(times: number[], seconds: number, sr: number, seed = 7): Float32Array {
  const y = new Float32Array(Math.round(seconds * sr));
  const r = rng(seed);
  const len = Math.round(0.03 * sr);
  for (const t of times) {
    const s = Math.round(t * sr);
    for (let i = 0; i < len && s + i < y.length; i++)
      y[s + i] += (r() * 2 - 1) * 0.8 * Math.exp(-i / (0.005 * sr));
  }
  return y;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
