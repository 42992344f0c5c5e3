import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';

interface Job<I, O> {
  input: I;
  transfer: Transferable[];
  resolve: (o: O) => void;
  reject: (e: Error) => void;
}

/**
 * A fixed pool of worker threads running one module, each job one message in and one out.
 * The module answers `{ ok: true, result }` or `{ ok: false, error }` per message. Jobs queue
 * when all workers are busy; `close()` ends them. Workers are unref'd, so an idle pool never
 * keeps the process alive.
 */
export class WorkerPool<I, O> {
  private readonly idle: Worker[] = [];
  private readonly queue: Job<I, O>[] = [];
  private readonly all: Worker[] = [];

  constructor(moduleUrl: URL, size = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(moduleUrl);
      w.unref();
      this.all.push(w);
      this.idle.push(w);
    }
  }

  get size(): number {
    return this.all.length;
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
        this.idle.push(w);
        if (m.ok) job.resolve(m.result as O);
        else job.reject(new Error(m.error));
        this.pump();
      };
      const onError = (err: Error): void => {
        w.off('message', onMessage);
        job.reject(err);
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(job.input, job.transfer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
