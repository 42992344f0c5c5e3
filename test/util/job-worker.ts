// A worker for the pool's tests: doubles a number, fails on a negative one, and exits
// without answering on zero (as a worker killed mid-job would). The test runner also loads
// every file under test/ as a test of its own; outside a worker it does nothing.
import { parentPort, threadId } from 'node:worker_threads';

parentPort?.on('message', (n: number) => {
  if (n === 0) process.exit(3);
  if (n < 0) parentPort!.postMessage({ ok: false, error: `negative: ${n}` });
  else parentPort!.postMessage({ ok: true, result: { doubled: 2 * n, threadId } });
});
