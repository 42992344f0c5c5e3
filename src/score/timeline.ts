import { PeakLimiter, type LimiterOptions } from '../decoder/limiter.js';

/** Where a score's finished samples go: `at` is the sample index in the score. */
export interface ScoreSink {
  write(samples: Float32Array, at: number): Promise<void>;
}

/**
 * A sink that limits the score's peaks (decoder/limiter.ts) on the way to another: stretches
 * arrive in order, so the limiter's gain carries from one to the next.
 */
export class LimitedSink implements ScoreSink {
  private readonly limiter: PeakLimiter;
  constructor(
    private readonly sink: ScoreSink,
    sampleRate: number,
    opts: LimiterOptions = {},
  ) {
    this.limiter = new PeakLimiter(sampleRate, opts);
  }
  async write(samples: Float32Array, at: number): Promise<void> {
    // A copy: the caller's buffer may still be read (a loop's head, a generation's audio).
    await this.sink.write(this.limiter.process(Float32Array.from(samples), at), at);
  }
}

/** A sink that keeps the whole score in memory (what `composeScore` returns). */
export class ArraySink implements ScoreSink {
  readonly samples: Float32Array;
  constructor(length: number) {
    this.samples = new Float32Array(length);
  }
  async write(samples: Float32Array, at: number): Promise<void> {
    this.samples.set(samples, at);
  }
}

/**
 * The part of a long score's timeline still being written, so memory holds a window or two
 * whatever the film's length. Positions are timeline samples; the score is the timeline from
 * `lead` for `total` samples. `release(upTo)` hands everything before `upTo` to the sink (it
 * will not change again); a loop's first `keepHead` samples of the score are kept back as
 * well, since its wrap rewrites them at the end (`head()`).
 */
export class RollingTimeline {
  private buf: Float32Array;
  private base = 0;
  private readonly headCopy: Float32Array;

  constructor(
    private readonly sink: ScoreSink,
    private readonly lead: number,
    private readonly total: number,
    initial: number,
    keepHead = 0,
  ) {
    this.buf = new Float32Array(initial);
    this.headCopy = new Float32Array(Math.min(keepHead, total));
  }

  /** Samples [from, to) of the timeline, writable (from ≥ what was released). */
  region(from: number, to: number): Float32Array {
    if (from < this.base) throw new RangeError(`timeline sample ${from} was already released`);
    if (to - this.base > this.buf.length) {
      const grown = new Float32Array(Math.max(to - this.base, 2 * this.buf.length));
      grown.set(this.buf);
      this.buf = grown;
    }
    return this.buf.subarray(from - this.base, to - this.base);
  }

  /** Hand samples before `upTo` to the sink. */
  async release(upTo: number): Promise<void> {
    const n = Math.min(upTo, this.base + this.buf.length) - this.base;
    if (n <= 0) return;
    const from = Math.max(this.base, this.lead);
    const to = Math.min(this.base + n, this.lead + this.total);
    if (to > from) {
      const part = this.buf.subarray(from - this.base, to - this.base);
      const at = from - this.lead;
      // A loop's head: kept (copied) until its wrap is known.
      const keep = Math.max(0, Math.min(this.headCopy.length - at, part.length));
      if (keep > 0) this.headCopy.set(part.subarray(0, keep), at);
      if (part.length > keep) await this.sink.write(part.subarray(keep), at + keep);
    }
    this.buf.copyWithin(0, n);
    this.buf.fill(0, this.buf.length - n);
    this.base += n;
  }

  /** The kept head of the score (a loop's), to rewrite and `writeHead`. */
  head(): Float32Array {
    return this.headCopy;
  }

  async writeHead(): Promise<void> {
    if (this.headCopy.length) await this.sink.write(this.headCopy, 0);
  }
}
