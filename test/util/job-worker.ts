// A worker for the pool's tests: doubles a number, fails on a negative one, and exits
// without answering on zero (as a worker killed mid-job would).
import { parentPort, threadId } from 'node:worker_threads';

parentPort!.on('message', (n: number) => {
  if (n === 0) process.exit(3);
  if (n < 0) parentPort!.postMessage({ ok: false, error: `negative: ${n}` });
  else parentPort!.postMessage({ ok: true, result: { doubled: 2 * n, threadId } });
});
