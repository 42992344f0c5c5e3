import { open, realpath, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** A path a command was given, and what it is to the user (an option name or "the input"). */
export interface NamedPath {
  path: string;
  /** How the user gave it: '-o/--output', '--wav', 'the input video', … */
  role: string;
}

/** The longest file name (bytes) the usual file systems take. */
export const MAX_NAME_BYTES = 255;

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

/** Where a path will really be written: its folder's real path and its own name. */
async function realTarget(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return join(await realpath(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/** The folder an output goes into exists, is a folder, and can be written. */
async function checkFolder(out: NamedPath): Promise<void> {
  const folder = dirname(resolve(out.path));
  let info: Stats;
  try {
    info = await stat(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      throw new UsageError(
        `${out.role} ${out.path}: ${folder} is under a file, not a folder. Give a path in an existing folder.`,
      );
    }
    throw new UsageError(
      `${out.role} ${out.path}: the folder ${folder} does not exist. Create it first (mkdir -p ${JSON.stringify(folder)}) or give another path.`,
    );
  }
  if (!info.isDirectory()) {
    throw new UsageError(
      `${out.role} ${out.path}: ${folder} is a file, not a folder. Give a path in an existing folder.`,
    );
  }
  // Writing is the only sure test (permission bits say nothing of read-only mounts, and root
  // passes every access() check): a file is made in the folder and removed.
  const probe = join(folder, `.filmscore-probe-${process.pid}-${Date.now()}`);
  try {
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `${code ?? 'error'}`;
    throw new UsageError(
      `${out.role} ${out.path}: cannot write in ${folder} (${why}). Give a path in a folder you can write to.`,
    );
  }
}

/**
 * Check, before any work, that every output can be written and that none of them would
 * replace an input or another output: the output folder exists and is writable, the name fits
 * the file system, an existing output is a plain file (never a folder or a device), and no
 * output is the same file as an input (hard links and symbolic links included) or as another
 * output. Each refusal is a UsageError naming the option and what to do.
 */
export async function checkOutputPaths(inputs: NamedPath[], outputs: NamedPath[]): Promise<void> {
  const inputStats = await Promise.all(inputs.map((i) => statOrNull(i.path)));
  const targets: string[] = [];
  for (const out of outputs) {
    if (out.path === '') throw new UsageError(`${out.role} is empty; give a file name.`);
    if (/[/\\]$/.test(out.path)) {
      throw new UsageError(
        `${out.role} ${out.path} ends in /, so it names a folder; give the name of the file to write.`,
      );
    }
    const name = basename(resolve(out.path));
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      throw new UsageError(
        `${out.role}: the file name is ${Buffer.byteLength(name)} bytes long; file systems take at most ${MAX_NAME_BYTES}. Give a shorter name.`,
      );
    }
    await checkFolder(out);
    const existing = await statOrNull(out.path);
    if (existing?.isDirectory()) {
      throw new UsageError(
        `${out.role} ${out.path} is a folder; give the name of the file to write in it.`,
      );
    }
    if (existing && !existing.isFile()) {
      throw new UsageError(
        `${out.role} ${out.path} exists and is not a plain file (a device, pipe or socket); give the name of a file to write.`,
      );
    }
    if (existing) {
      for (const [k, input] of inputs.entries()) {
        const s = inputStats[k];
        if (s && s.dev === existing.dev && s.ino === existing.ino) {
          throw new UsageError(
            `${out.role} ${out.path} is ${input.role} itself (${input.path}): writing it would destroy what is being read. Give another output name.`,
          );
        }
      }
    }
    const target = await realTarget(out.path);
    const clash = targets.indexOf(target);
    if (clash >= 0) {
      throw new UsageError(
        `${out.role} and ${outputs[clash].role} name the same file (${out.path}): one would overwrite the other. Give them different names.`,
      );
    }
    targets.push(target);
  }
}
