import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { MediaError, stderrTail } from './errors.js';
import { UsageError } from '../util/errors.js';

/** ffmpeg and ffprobe are separate programs (Debian's), never linked: see DESIGN.md §6–7. */
export const FFMPEG = process.env.FILMSCORE_FFMPEG ?? 'ffmpeg';
export const FFPROBE = process.env.FILMSCORE_FFPROBE ?? 'ffprobe';

/**
 * A file path as ffmpeg/ffprobe must be given it: through the file: protocol, so that a name
 * starting with "-" is not taken for an option and one holding ":" not for a protocol.
 */
export function fileArg(path: string): string {
  return `file:${path}`;
}

/** How long a tool may stay silent (no output at all) before it is taken as hung (the
 * environment may shorten it: the tests do, with a stand-in ffmpeg that hangs). */
const IDLE_LIMIT_MS = Number(process.env.FILMSCORE_IDLE_LIMIT_MS) || 120_000;

const MISSING_TOOL_HINT = 'install it with `sudo apt-get install ffmpeg` (or run scripts/setup.sh)';

function missingTool(bin: string, path: string): MediaError {
  return new MediaError(
    'ffmpeg-missing',
    path,
    `${bin} was not found on PATH; ${MISSING_TOOL_HINT}.`,
  );
}

/** A failure to start ffmpeg, as reported: a missing program named, anything else as it is. */
export function toolError(err: NodeJS.ErrnoException, path: string): Error {
  return err.code === 'ENOENT' ? missingTool(FFMPEG, path) : err;
}

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/**
 * Run ffmpeg/ffprobe to completion and collect its output. Rejects with a MediaError when the
 * program is missing, exits non-zero (`describeFailure` turns stderr into the message) or
 * exceeds `timeoutMs`.
 */
export function runTool(
  bin: string,
  args: readonly string[],
  opts: {
    path: string;
    /** null: no limit (a tool that waits on its input, `input`, for as long as it takes). */
    timeoutMs?: number | null;
    describeFailure: (stderr: string) => MediaError;
    /** Handed the tool's standard input (a pipe) as soon as it is started. */
    input?: (stdin: Writable, child: ChildProcess) => void;
  },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (opts.input) opts.input(child.stdin!, child);
    const out: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer =
      opts.timeoutMs === null
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs ?? 600_000);
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? missingTool(bin, opts.path) : err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new MediaError(
            'timeout',
            opts.path,
            `${bin} did not finish on ${opts.path} in time; the file may be damaged.`,
          ),
        );
      } else if (code !== 0) {
        reject(opts.describeFailure(stderr));
      } else {
        resolve({ stdout: Buffer.concat(out), stderr });
      }
    });
  });
}

/**
 * Stream ffmpeg's stdout in records of exactly `recordBytes` bytes (one audio chunk, one video
 * frame). Memory stays at one record plus the pipe's buffer whatever the file's length: the
 * pipe applies back-pressure while the consumer works. A watchdog kills a silent process.
 */
export async function* streamRecords(
  args: readonly string[],
  opts: {
    path: string;
    recordBytes: number;
    describeFailure: (stderr: string) => MediaError;
    /** Judge what ffmpeg complained about on a run that still exited 0 (e.g. a cut-off file). */
    judgeWarnings?: (stderr: string) => MediaError | undefined;
  },
): AsyncGenerator<Buffer> {
  const child: ChildProcess = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = stderrOf(child);
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = toolError(err, opts.path);
      resolve(null);
    });
  });
  const watchdog = idleWatchdog(child);
  try {
    const pending = yield* recordsOf(watchdog.watch(child.stdout!), opts.recordBytes);
    const code = await exited;
    if (spawnError) throw spawnError;
    if (watchdog.fired) throw silentFailure(opts.path);
    if (code !== 0) throw opts.describeFailure(stderr());
    const complaint = opts.judgeWarnings?.(stderr());
    if (complaint) throw complaint;
    // A trailing partial record (the last audio chunk) is still data: hand it over.
    if (pending.length > 0) yield pending;
  } finally {
    watchdog.stop();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Kills `child` when none of the streams `watch`ed has produced anything for IDLE_LIMIT_MS (a
 * hung decode): `fired` then says so, for the message (`silentFailure`).
 */
export function idleWatchdog(child: ChildProcess): {
  watch(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer>;
  readonly fired: boolean;
  stop(): void;
} {
  let fired = false;
  const onIdle = (): void => {
    fired = true;
    child.kill('SIGKILL');
  };
  let timer = setTimeout(onIdle, IDLE_LIMIT_MS);
  return {
    async *watch(stream) {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        clearTimeout(timer);
        timer = setTimeout(onIdle, IDLE_LIMIT_MS);
        yield chunk;
      }
    },
    get fired() {
      return fired;
    },
    stop: () => clearTimeout(timer),
  };
}

/** What a decode killed by its idle watchdog reports. */
export function silentFailure(path: string): MediaError {
  return new MediaError(
    'timeout',
    path,
    `ffmpeg stopped producing output for ${path}; the file may be damaged.`,
  );
}

/** What a long-running ffmpeg says on stderr, its last 32–64 KiB (all a message needs). */
export function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (b: Buffer) => {
    text += b.toString();
    if (text.length > 65536) text = text.slice(-32768);
  });
  return () => text;
}

/**
 * A byte stream cut into records of exactly `recordBytes` (one audio chunk, one video frame),
 * each a view into the stream's buffers; returns what is left over at the end (a partial
 * record, possibly empty).
 */
export async function* recordsOf(
  chunks: AsyncIterable<Buffer>,
  recordBytes: number,
): AsyncGenerator<Buffer, Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const whole = Math.floor(pending.length / recordBytes) * recordBytes;
    for (let off = 0; off < whole; off += recordBytes)
      yield pending.subarray(off, off + recordBytes);
    pending = pending.subarray(whole);
  }
  return pending;
}

/** ISO media files (mp4, mov, m4a) start with an 'ftyp' box: a real file, however cut off. */
function looksLikeIsoMedia(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    closeSync(fd);
    return head.toString('latin1', 4, 8) === 'ftyp';
  } catch {
    return false;
  }
}

const TRUNCATION_SIGNS =
  /Truncat|end of file|partial file|corrupt input packet|Invalid PCM packet/i;

/** A decode that exited 0 but met a cut-off stream: ffmpeg only warns, we refuse. */
export function truncationWarning(path: string, stderr: string): MediaError | undefined {
  if (!TRUNCATION_SIGNS.test(stderr)) return undefined;
  return new MediaError(
    'truncated',
    path,
    `${path} looks truncated: it ends in the middle of its data (ffmpeg: ${stderrTail(stderr, 2)}). Copy or download the file again.`,
  );
}

/** Classify ffmpeg's complaint about an input file into a MediaError with advice. */
export function describeInputFailure(path: string, stderr: string): MediaError {
  const tail = stderrTail(stderr);
  const cutIso = /moov atom not found/i.test(stderr) && looksLikeIsoMedia(path);
  if (cutIso || TRUNCATION_SIGNS.test(stderr) || /Invalid frame size/i.test(stderr)) {
    return new MediaError(
      'truncated',
      path,
      `${path} looks truncated or damaged (ffmpeg: ${tail}). Copy or download the file again.`,
    );
  }
  if (
    /moov atom not found|Invalid data found|could not find codec|Unknown format|does not contain any stream|Invalid argument/i.test(
      stderr,
    )
  ) {
    return new MediaError(
      'not-media',
      path,
      `${path} is not an audio or video file ffmpeg can read (ffmpeg: ${tail}). Give a media file such as .wav, .ogg, .mp3, .mp4 or .mov.`,
    );
  }
  return new MediaError('ffmpeg-failed', path, `ffmpeg failed on ${path}: ${tail}`);
}

/** Check that this ffmpeg has an encoder called `name` (for --video-codec); a UsageError if not. */
export async function requireEncoder(name: string): Promise<void> {
  const { stdout } = await runTool(FFMPEG, ['-hide_banner', '-h', `encoder=${name}`], {
    path: name,
    describeFailure: (stderr) => new MediaError('ffmpeg-failed', name, stderrTail(stderr)),
  });
  if (!stdout.toString().includes(`Encoder ${name} `)) {
    throw new UsageError(
      `--video-codec ${name}: this ffmpeg has no such encoder. List them with \`ffmpeg -encoders\`, or use copy or auto.`,
    );
  }
}
