// The worker pool: jobs spread over the workers, errors and dead workers fail only their
// job, and the shared pool is reused (its workers outlive the call) and heals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedWorkerPool, WorkerPool } from '../../src/util/worker-pool.js';

const MODULE = new URL('./job-worker.js', import.meta.url);
type Answer = { doubled: number; threadId: number };

describe('WorkerPool', () => {
  it('runs every job, on all its workers, and reports failures per job', async () => {
    const pool = new WorkerPool<number, Answer>(MODULE, 2);
    try {
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.run(n)));
      assert.deepEqual(
        answers.map((a) => a.doubled),
        [2, 4, 6, 8, 10, 12],
      );
      assert.equal(new Set(answers.map((a) => a.threadId)).size, 2);
      await assert.rejects(pool.run(-1), /negative: -1/);
      assert.equal((await pool.run(7)).doubled, 14);
    } finally {
      await pool.close();
    }
  });

  it('fails the job of a worker that exits instead of waiting forever', async () => {
    const pool = new WorkerPool<number, Answer>(MODULE, 1);
    try {
      await assert.rejects(pool.run(0), /exited \(code 3\) before answering/);
      assert.equal(pool.size, 0);
    } finally {
      await pool.close();
    }
  });

  it('shares one pool per module and size, and replaces dead workers', async () => {
    const a = sharedWorkerPool<number, Answer>(MODULE, 2);
    const first = await Promise.all([1, 2].map((n) => a.run(n)));
    assert.equal(sharedWorkerPool(MODULE, 2), a);
    assert.notEqual(sharedWorkerPool(MODULE, 1), a);
    // The same threads answer the next call: nothing was torn down in between.
    const again = await Promise.all([3, 4].map((n) => a.run(n)));
    assert.deepEqual(new Set(again.map((x) => x.threadId)), new Set(first.map((x) => x.threadId)));
    await assert.rejects(a.run(0), /exited/);
    assert.equal(a.size, 1);
    assert.equal(sharedWorkerPool(MODULE, 2).size, 2);
    assert.equal((await a.run(5)).doubled, 10);
  });
});
