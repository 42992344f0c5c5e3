import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's Python, where python3-torch and friends install (`python3` on PATH may differ). */
export const PYTHON = process.env.FILMSCORE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../test/reference/references.py',
);

/**
 * Ask the independent Python reference (torchaudio / scipy / aubio / mir_eval) for values.
 * Inputs travel as float32 files, results come back as JSON.
 */
export function reference<T = Record<string, unknown>>(
  command: string,
  params: Record<string, unknown>,
  inputs: Record<string, Float32Array> = {},
): T {
  const dir = mkdtempSync(join(tmpdir(), 'filmscore-ref-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, data] of Object.entries(inputs)) {
      paths[name] = join(dir, `${name}.f32`);
      writeFileSync(paths[name], Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    const run = spawnSync(PYTHON, [SCRIPT, command], {
      input: JSON.stringify({ params, inputs: paths }),
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new Error(`reference ${command} failed (${PYTHON}): ${run.stderr || run.error}`);
    }
    return JSON.parse(run.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
