/**
 * Equal-power crossfade at position p (0 … 1) of a fade from `from` into `to` (cos/sin gains:
 * the power of two uncorrelated signals stays level through the fade).
 */
export function equalPowerMix(from: number, to: number, p: number): number {
  return from * Math.cos((p * Math.PI) / 2) + to * Math.sin((p * Math.PI) / 2);
}

/**
 * Join windows of audio: each starts at its offset (samples); where two overlap, an equal-
 * power crossfade (cos/sin) over the overlap, so the join neither dips nor clicks.
 */
export function joinWindows(
  parts: readonly { offset: number; audio: Float32Array }[],
  length: number,
): Float32Array {
  const out = new Float32Array(length);
  let end = 0; // where the audio written so far stops
  for (const { offset, audio } of parts) {
    const overlap = Math.max(0, Math.min(end - offset, audio.length));
    for (let i = 0; i < audio.length && offset + i < length; i++) {
      const j = offset + i;
      if (i < overlap) {
        out[j] = equalPowerMix(out[j], audio[i], (i + 0.5) / overlap);
      } else {
        out[j] = audio[i];
      }
    }
    end = Math.max(end, offset + audio.length);
  }
  return out;
}
