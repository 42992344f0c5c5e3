import { spawn } from 'node:child_process';
import { writeAtomically } from '../util/atomic-file.js';
import { MediaError, stderrTail } from './errors.js';
import { FFMPEG } from './ffmpeg.js';

export interface EncodeVideoOptions {
  output: string;
  width: number;
  height: number;
  fps: number;
  /** Packed RGB frames, width × height × 3 bytes each. */
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** An audio file to put under the picture (cut to the picture's length). */
  audio?: string;
}

/**
 * Encode RGB frames (H.264, yuv420p) with optional sound (AAC) into an mp4, by piping raw frames
 * into ffmpeg; written to a temporary file and renamed when complete.
 */
export async function encodeVideo(opts: EncodeVideoOptions): Promise<void> {
  const frameBytes = opts.width * opts.height * 3;
  await writeAtomically(opts.output, async (tmp) => {
    const args = ['-nostdin', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
    args.push('-s', `${opts.width}x${opts.height}`, '-r', String(opts.fps), '-i', 'pipe:0');
    if (opts.audio)
      args.push('-i', opts.audio, '-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-shortest');
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', tmp);
    const child = spawn(FFMPEG, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const write = (buf: Uint8Array): Promise<void> =>
      new Promise((resolve, reject) =>
        child.stdin.write(buf, (err) => (err ? reject(err) : resolve())),
      );
    try {
      for await (const frame of opts.frames) {
        if (frame.length !== frameBytes) {
          throw new MediaError(
            'bad-argument',
            opts.output,
            `frame of ${frame.length} bytes, expected ${frameBytes}`,
          );
        }
        await write(frame);
      }
    } finally {
      child.stdin.end();
    }
    const code = await exited;
    if (code !== 0) {
      throw new MediaError(
        'ffmpeg-failed',
        opts.output,
        `ffmpeg could not encode ${opts.output}: ${stderrTail(stderr)}`,
      );
    }
  });
}
