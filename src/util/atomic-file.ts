import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A temporary path beside `finalPath` (same folder, so the rename is atomic on one file
 * system) that keeps the final extension, since ffmpeg picks the container from it.
 */
export function tempPathFor(finalPath: string): string {
  const name = basename(finalPath);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const tag = randomBytes(4).toString('hex');
  const temp = `.${stem}.${tag}.partial${ext}`;
  // A name near the file system's 255-byte limit would overflow with the temp decorations.
  const fits = Buffer.byteLength(temp) <= 255;
  return join(dirname(finalPath), fits ? temp : `.filmscore-${tag}.partial${ext.slice(0, 32)}`);
}

/**
 * Produce `finalPath` through `produce(tempPath)`: the output appears whole or not at all.
 * On failure the temporary file is removed and the error is rethrown.
 */
export async function writeAtomically<T>(
  finalPath: string,
  produce: (tempPath: string) => Promise<T>,
): Promise<T> {
  const tmp = tempPathFor(finalPath);
  try {
    const result = await produce(tmp);
    await rename(tmp, finalPath);
    return result;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Write a buffer to `finalPath` atomically (temp file, then rename). */
export async function writeFileAtomically(finalPath: string, data: Uint8Array): Promise<void> {
  await writeAtomically(finalPath, (tmp) => writeFile(tmp, data));
}
