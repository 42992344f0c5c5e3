import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Run a training or export command on one thread; assert it succeeded; its stdout. */
export function runTraining(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}
