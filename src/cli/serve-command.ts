import { loadModelFolder, DEFAULT_MODEL_DIR } from '../generator/model-folder.js';
import { JobRunner } from '../serve/job-runner.js';
import { JobStore } from '../serve/job-store.js';
import { appServer } from '../serve/server.js';
import { listen } from '../util/listen.js';
import { integer } from './arguments.js';

export interface ServeCommandOptions {
  port: string;
  host: string;
  data: string;
  model?: string;
  maxUploadMb: string;
}

/**
 * `filmscore serve`: the web app. Jobs and their files live under --data and survive a restart
 * (a job interrupted while running is queued again).
 */
export async function runServe(opts: ServeCommandOptions): Promise<void> {
  const port = integer('--port', opts.port, 8731, 0, 65535);
  const maxUploadMb = integer('--max-upload-mb', opts.maxUploadMb, 2048, 1, 1 << 20);
  const store = new JobStore(opts.data);
  const model = await loadModelFolder(opts.model ?? DEFAULT_MODEL_DIR);
  const runner = new JobRunner(store, model);
  const server = appServer(store, runner, model, { maxUploadBytes: maxUploadMb * 2 ** 20 });
  try {
    await listen(server, port, opts.host);
  } catch (err) {
    store.close();
    await model.dispose();
    throw err;
  }
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const queued = store.list().filter((j) => j.status === 'queued').length;
  process.stderr.write(
    `filmscore serve: http://${opts.host}:${bound}/ (jobs in ${opts.data}${queued ? `, ${queued} queued` : ''}; Ctrl-C to stop)\n`,
  );
  runner.kick();
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await runner.stop();
    store.close();
    await model.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
