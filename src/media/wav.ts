import type { Hertz } from '../units.js';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { tempPathFor, writeFileAtomically } from '../util/atomic-file.js';
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
  const head = wavHeader(nch, frames, sampleRate, format);
  const buf = Buffer.alloc(head.length + frames * nch * bytesPerSample);
  let o = head.copy(buf, 0);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c][i];
      if (format === 'pcm16') {
        o = buf.writeInt16LE(pcm16(x), o);
      } else {
        o = buf.writeFloatLE(x, o);
      }
    }
  }
  return buf;
}

/** A sample as 16-bit PCM: scaled by 32768 as ffmpeg does both ways (so a round trip is exact
 * to ½ LSB), rounded to nearest, clipped to the 16-bit range; NaN is silence. */
function pcm16(x: number): number {
  const q = Math.round((x || 0) * 32768);
  return q > 32767 ? 32767 : q < -32768 ? -32768 : q;
}

/** Mono samples as the 16-bit little-endian PCM of a WAV's data (`pcm16`'s rounding). */
export function pcm16Bytes(samples: Float32Array): Buffer {
  const buf = Buffer.alloc(2 * samples.length);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(pcm16(samples[i]), 2 * i);
  return buf;
}

/** The RIFF/WAVE header of `frames` frames of `nch` channels (the data chunk's header last). */
function wavHeader(nch: number, frames: number, sampleRate: Hertz, format: WavFormat): Buffer {
  const bytesPerSample = format === 'pcm16' ? 2 : 4;
  const dataBytes = frames * nch * bytesPerSample;
  const factBytes = format === 'float32' ? 12 : 0;
  const header = 12 + 24 + factBytes + 8;
  const buf = Buffer.alloc(header);
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
  buf.writeUInt32LE(dataBytes, o);
  return buf;
}

/**
 * A mono 16-bit WAV of known length written piece by piece at any position, so a long score
 * never has to be held whole: it goes to a temporary file beside `path` and becomes `path`
 * only on `commit()` (a reader never sees a half-written file; `abort()` leaves nothing).
 */
export class WavFileWriter {
  private constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly path: string,
    private readonly headerBytes: number,
    readonly frames: number,
  ) {}

  static async open(path: string, frames: number, sampleRate: Hertz): Promise<WavFileWriter> {
    const tmp = tempPathFor(path);
    const handle = await open(tmp, 'w');
    try {
      const head = wavHeader(1, frames, sampleRate, 'pcm16');
      await handle.write(head, 0, head.length, 0);
      // The data's full length now, so parts may be written in any order (zeros until then).
      await handle.truncate(head.length + 2 * frames);
      return new WavFileWriter(handle, tmp, path, head.length, frames);
    } catch (e) {
      await handle.close();
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Samples [at, at + samples.length) of the file (pcm16, as encodeWav rounds them). */
  async write(samples: Float32Array, at: number): Promise<void> {
    if (at < 0 || at + samples.length > this.frames) {
      throw new RangeError(
        `samples ${at}–${at + samples.length} are outside the ${this.frames} of this WAV`,
      );
    }
    const buf = pcm16Bytes(samples);
    await this.handle.write(buf, 0, buf.length, this.headerBytes + 2 * at);
  }

  async commit(): Promise<void> {
    await this.handle.close();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }
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

const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Parse a RIFF/WAVE file's samples without ffmpeg: PCM 16/24/32-bit and IEEE float 32, also
 * inside WAVE_FORMAT_EXTENSIBLE. PCM is scaled by 1/2^(bits−1) as ffmpeg does. Returns null for
 * anything else (compressed or unusual WAVs), so callers fall back to ffmpeg.
 */
export function parseWav(buf: Buffer): { sampleRate: Hertz; channels: Float32Array[] } | null {
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  )
    return null;
  let format = 0;
  let nch = 0;
  let rate = 0;
  let bits = 0;
  let data: Buffer | null = null;
  for (let o = 12; o + 8 <= buf.length;) {
    const id = buf.toString('latin1', o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = buf.subarray(o + 8, Math.min(buf.length, o + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      format = body.readUInt16LE(0);
      nch = body.readUInt16LE(2);
      rate = body.readUInt32LE(4);
      bits = body.readUInt16LE(14);
      // The extensible format names the real one in the first two bytes of its sub-format GUID.
      if (format === WAVE_FORMAT_EXTENSIBLE && body.length >= 26) format = body.readUInt16LE(24);
    } else if (id === 'data') {
      data = body;
    }
    o += 8 + size + (size & 1);
  }
  const pcm = format === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32);
  const float = format === WAVE_FORMAT_IEEE_FLOAT && bits === 32;
  if (!data || !nch || !rate || !(pcm || float)) return null;
  const step = bits / 8;
  const frames = Math.floor(data.length / (step * nch));
  const channels = Array.from({ length: nch }, () => new Float32Array(frames));
  const scale = 1 / 2 ** (bits - 1);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const at = (i * nch + c) * step;
      channels[c][i] = float
        ? data.readFloatLE(at)
        : bits === 16
          ? data.readInt16LE(at) * scale
          : bits === 24
            ? data.readIntLE(at, 3) * scale
            : data.readInt32LE(at) * scale;
    }
  }
  return { sampleRate: rate, channels };
}
