import type { Hertz } from '../units.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { MediaError } from './errors.js';

export type WavFormat = 'pcm16' | 'float32';

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;

/**
 * Encode planar channels as a RIFF/WAVE file. pcm16 rounds x·32768 to nearest and clips to the 16-bit range;
 * float32 stores the samples as they are (IEEE float, with the `fact` chunk the format asks for).
 */
export function encodeWav(
  channels: readonly Float32Array[],
  sampleRate: Hertz,
  format: WavFormat = 'pcm16',
): Buffer {
  const nch = channels.length;
  if (nch === 0) throw new MediaError('bad-argument', '', 'encodeWav needs at least one channel.');
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) {
    throw new MediaError('bad-argument', '', 'encodeWav: all channels must have the same length.');
  }
  const bytesPerSample = format === 'pcm16' ? 2 : 4;
  const dataBytes = frames * nch * bytesPerSample;
  const factBytes = format === 'float32' ? 12 : 0;
  const header = 12 + 24 + factBytes + 8;
  const buf = Buffer.alloc(header + dataBytes);
  let o = 0;
  o += buf.write('RIFF', o);
  o = buf.writeUInt32LE(header - 8 + dataBytes, o);
  o += buf.write('WAVE', o);
  o += buf.write('fmt ', o);
  o = buf.writeUInt32LE(16, o);
  o = buf.writeUInt16LE(format === 'pcm16' ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, o);
  o = buf.writeUInt16LE(nch, o);
  o = buf.writeUInt32LE(sampleRate, o);
  o = buf.writeUInt32LE(sampleRate * nch * bytesPerSample, o);
  o = buf.writeUInt16LE(nch * bytesPerSample, o);
  o = buf.writeUInt16LE(bytesPerSample * 8, o);
  if (format === 'float32') {
    o += buf.write('fact', o);
    o = buf.writeUInt32LE(4, o);
    o = buf.writeUInt32LE(frames, o);
  }
  o += buf.write('data', o);
  o = buf.writeUInt32LE(dataBytes, o);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c][i];
      if (format === 'pcm16') {
        // Scale by 32768 as ffmpeg does both ways, so a round trip is exact to ½ LSB.
        const q = Math.round((x || 0) * 32768);
        o = buf.writeInt16LE(q > 32767 ? 32767 : q < -32768 ? -32768 : q, o);
      } else {
        o = buf.writeFloatLE(x, o);
      }
    }
  }
  return buf;
}

/** Write a WAV file atomically: a reader never sees a half-written file. */
export async function writeWav(
  path: string,
  channels: readonly Float32Array[],
  sampleRate: Hertz,
  format: WavFormat = 'pcm16',
): Promise<void> {
  await writeFileAtomically(path, encodeWav(channels, sampleRate, format));
}
