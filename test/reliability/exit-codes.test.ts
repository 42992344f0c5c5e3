import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { MediaError } from '../../src/media/errors.js';
import { UsageError } from '../../src/util/errors.js';

/** The CLI's one error path (README "Promises"): 2 for what the user can fix, 1 for our bugs. */
describe('exit codes', () => {
  it('a usage or media error: 2, its message, no stack', () => {
    for (const err of [
      new UsageError('--steps must be a whole number'),
      new MediaError('truncated', 'a.mp4', 'a.mp4 looks truncated'),
    ]) {
      const r = exitCodeFor(err, false);
      assert.equal(r.code, 2);
      assert.equal(r.message, err.message);
    }
  });

  it("commander's refusals exit 2; --help and --version exit 0", () => {
    assert.equal(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'), false).code, 2);
    assert.equal(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', ''), false).code, 0);
    assert.equal(exitCodeFor(new CommanderError(0, 'commander.version', ''), false).code, 0);
  });

  it('a file-system failure the user caused: 2, naming the path and the reason', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: '/mnt/full/out.mp4',
    });
    const r = exitCodeFor(err, false);
    assert.equal(r.code, 2);
    assert.match(r.message, /cannot write \/mnt\/full\/out\.mp4: the disk is full/);
  });

  it('an internal bug: 1, a "please report" line, the stack only under --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'length')");
    const plain = exitCodeFor(bug, false);
    assert.equal(plain.code, 1);
    assert.match(plain.message, /internal error: Cannot read properties/);
    assert.match(plain.message, /please report it/);
    assert.doesNotMatch(plain.message, /\n\s+at /);
    const debug = exitCodeFor(bug, true);
    assert.equal(debug.code, 1);
    assert.match(debug.message, /\n\s+at /);
  });
});
