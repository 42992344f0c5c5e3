// Worker side of the parallel front end: runs one phase on its share of the shared buffers.
import { parentPort } from 'node:worker_threads';
import { framesShare, resampleShare, type FrontEndBuffers } from './front-end.js';

export interface FrontEndJob {
  phase: 'resample' | 'frames';
  buffers: FrontEndBuffers;
  index: number;
  count: number;
}

parentPort!.on('message', (job: FrontEndJob) => {
  try {
    if (job.phase === 'resample') resampleShare(job.buffers, job.index, job.count);
    else framesShare(job.buffers, job.index, job.count);
    parentPort!.postMessage({ ok: true });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
