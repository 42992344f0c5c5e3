import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadModelFolder, type GeneratorModel } from '../../src/generator/model-folder.js';
import { JobRunner } from '../../src/serve/job-runner.js';
import { JobStore } from '../../src/serve/job-store.js';
import { appServer } from '../../src/serve/server.js';

/** The web app in this process (the bundled model), on a free port, and its teardown. */
export interface RunningApp {
  base: string;
  store: JobStore;
  runner: JobRunner;
  model: GeneratorModel;
  close(): Promise<void>;
}

export async function startApp(
  dir: string,
  maxUploadBytes: number,
  modelDir?: string,
): Promise<RunningApp> {
  const store = new JobStore(join(dir, modelDir ? 'data-style' : 'data'));
  const model = await loadModelFolder(modelDir);
  const runner = new JobRunner(store, model);
  const server: Server = appServer(store, runner, model, { maxUploadBytes });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    runner,
    model,
    async close() {
      await runner.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      store.close();
      await model.dispose();
    },
  };
}
