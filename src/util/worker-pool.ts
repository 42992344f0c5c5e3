import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';

interface Job<I, O> {
  input: I;
  transfer: Transferable[];
  resolve: (o: O) => void;
  reject: (e: Error) => void;
}

/**
 * A pool of worker threads running one module, each job one message in and one out. The
 * module answers `{ ok: true, result }` or `{ ok: false, error }` per message. Jobs queue when
 * all workers are busy. A worker keeps the process alive only while it is on a job, so an idle
 * pool never holds it open and a pending job is never dropped by an early exit; a
 * worker that dies (an uncaught error, an out-of-memory kill) fails its job and is replaced
 * on the next `grow`.
 *
 * Prefer `sharedWorkerPool` to a pool per call: see there why workers should outlive the call.
 */
export class WorkerPool<I, O> {
  private readonly idle: Worker[] = [];
  private readonly queue: Job<I, O>[] = [];
  private readonly all = new Set<Worker>();
  /** The job each busy worker is on, to fail it if the worker exits. */
  private readonly busy = new Map<Worker, Job<I, O>>();

  constructor(
    private readonly moduleUrl: URL,
    size = Math.max(1, availableParallelism()),
  ) {
    this.grow(size);
  }

  get size(): number {
    return this.all.size;
  }

  /** Start workers until there are `size`. */
  grow(size: number): void {
    while (this.all.size < size) {
      const w = new Worker(this.moduleUrl);
      w.unref();
      w.once('exit', (code) => {
        this.all.delete(w);
        const i = this.idle.indexOf(w);
        if (i >= 0) this.idle.splice(i, 1);
        const job = this.busy.get(w);
        this.busy.delete(w);
        job?.reject(new Error(`worker thread exited (code ${code}) before answering`));
      });
      this.all.add(w);
      this.idle.push(w);
    }
    this.pump();
  }

  run(input: I, transfer: Transferable[] = []): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      const onMessage = (m: { ok: boolean; result?: O; error?: string }): void => {
        w.off('error', onError);
        this.busy.delete(w);
        w.unref();
        this.idle.push(w);
        if (m.ok) job.resolve(m.result as O);
        else job.reject(new Error(m.error));
        this.pump();
      };
      const onError = (err: Error): void => {
        w.off('message', onMessage);
        this.busy.delete(w);
        w.unref();
        job.reject(err);
      };
      this.busy.set(w, job);
      w.ref();
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(job.input, job.transfer);
    }
  }

  /** End the workers. Jobs still queued are rejected. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool closed'));
    await Promise.all([...this.all].map((w) => w.terminate()));
  }
}

const SHARED = new Map<string, WorkerPool<unknown, unknown>>();

/**
 * The process-wide pool of `size` workers running a module, kept for the next caller instead
 * of being closed (dead workers are replaced on each call).
 *
 * Why not a pool per call: CI once saw Node 20 abort a run that tore its worker down right
 * after the job (`NodePlatform::ForIsolate … Assertion failed: (data.first) != nullptr`, from
 * a V8 background optimisation job whose isolate was no longer registered with the platform;
 * Node unregisters a worker's isolate before disposing of it). It did not reproduce here in
 * thousands of tries, so this is the likeliest cause kept away rather than a proven one: kept
 * workers are torn down only when the process exits, usually long after their last job. Later
 * calls also skip the worker's start-up. Idle workers cost their heap and no CPU.
 */
export function sharedWorkerPool<I, O>(moduleUrl: URL, size: number): WorkerPool<I, O> {
  const key = `${size} ${moduleUrl.href}`;
  let pool = SHARED.get(key);
  if (!pool) {
    pool = new WorkerPool(moduleUrl, size);
    SHARED.set(key, pool);
  }
  pool.grow(size);
  return pool as WorkerPool<I, O>;
}
