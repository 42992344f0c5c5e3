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
        const p = (i + 0.5) / overlap;
        out[j] = out[j] * Math.cos((p * Math.PI) / 2) + audio[i] * Math.sin((p * Math.PI) / 2);
      } else {
        out[j] = audio[i];
      }
    }
    end = Math.max(end, offset + audio.length);
  }
  return out;
}
