import type { Server } from 'node:http';
import { UsageError } from './errors.js';

/**
 * Start a server on host:port, turning the usual start-up failures (port taken, no such
 * address, a privileged port) into UsageErrors that say what to do.
 */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const what = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') {
        reject(
          new UsageError(
            `port ${port} is in use (${what}); give another --port, or 0 for any free one.`,
          ),
        );
      } else if (
        err.code === 'EADDRNOTAVAIL' ||
        err.code === 'ENOTFOUND' ||
        err.code === 'EAI_AGAIN'
      ) {
        reject(
          new UsageError(
            `--host ${host} is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every network).`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new UsageError(
            `not allowed to listen on ${what} (ports below 1024 need privileges); give a --port from 1024 up, or 0.`,
          ),
        );
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
