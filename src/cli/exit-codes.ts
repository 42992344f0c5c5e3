import { CommanderError } from 'commander';
import { MediaError } from '../media/errors.js';
import { UsageError } from '../util/errors.js';

/**
 * The CLI's one error path. Exit codes (README "Promises"): 0 done; 2 a failure the user can
 * fix (bad input, output, option or model folder; the message says which and what to do);
 * 1 an internal bug (a short "please report" line; the stack only under --debug).
 */
export const EXIT = { ok: 0, internal: 1, usage: 2 } as const;

/** File-system failures that come from what the user named or their machine, not from us. */
const USER_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links (a loop)',
  EMFILE: 'too many open files',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not on this machine',
};

export function exitCodeFor(err: unknown, debug: boolean): { code: number; message: string } {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help / version).
    return { code: err.exitCode === 0 ? EXIT.ok : EXIT.usage, message: '' };
  }
  if (err instanceof MediaError || err instanceof UsageError) {
    return { code: EXIT.usage, message: err.message };
  }
  const errno = err as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && errno.code in USER_ERRNO) {
    const where = errno.path ? ` ${errno.path}` : '';
    return {
      code: EXIT.usage,
      message: `cannot ${errno.syscall ?? 'use'}${where}: ${USER_ERRNO[errno.code]}.${debug && errno.stack ? `\n${errno.stack}` : ''}`,
    };
  }
  const text = err instanceof Error ? err.message : String(err);
  const stack = err instanceof Error && err.stack ? err.stack : text;
  return {
    code: EXIT.internal,
    message: debug
      ? `internal error: ${stack}`
      : `internal error: ${text}\nThis is a bug in filmscore; please report it with the command you ran (add --debug for the stack trace).`,
  };
}
