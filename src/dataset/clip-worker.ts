// Worker side of the dataset builder: one clip's features per message (see clip-features.ts).
import { parentPort } from 'node:worker_threads';
import { clipFeatures } from './clip-features.js';

parentPort!.on('message', (x22: Float32Array) => {
  try {
    const result = clipFeatures(x22);
    parentPort!.postMessage(
      { ok: true, result },
      result.files.map(([, bytes]) => bytes.buffer as ArrayBuffer),
    );
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
