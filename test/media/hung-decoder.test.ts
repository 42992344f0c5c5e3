// A decoder that hangs or is missing: both frame readers end with the error that says so,
// instead of waiting for ever (each case in its own process, with a stand-in ffmpeg).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/media.js';

const dir = tempDir();
const hang = join(dir, 'hanging-ffmpeg');
writeFileSync(hang, '#!/bin/sh\nexec sleep 60\n');
chmodSync(hang, 0o755);
const media = (f: string): string => new URL(`../../src/media/${f}`, import.meta.url).href;

/** Read frames through one reader in a child process; its outcome as `kind: message`. */
function readWith(ffmpeg: string, reader: 'videoFrames' | 'videoFramesTwice'): string {
  const script = `
    import { videoFrames, videoFramesTwice } from '${media('video-frames.js')}';
    const info = { durationS: 2, video: { index: 0, width: 64, height: 48, durationS: 2, fps: 25, codec: 'h264' } };
    const opts = { fps: 5, width: 16, height: 12, info };
    try {
      if ('${reader}' === 'videoFrames') { for await (const f of videoFrames('clip.mp4', opts)); }
      else {
        const [a, b] = videoFramesTwice('clip.mp4', opts, { ...opts, fps: 1 }, info);
        await Promise.all([(async () => { for await (const f of a); })(), (async () => { for await (const f of b); })()]);
      }
      console.log('no error');
    } catch (e) { console.log(e.kind + ': ' + e.message); }`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, FILMSCORE_FFMPEG: ffmpeg, FILMSCORE_IDLE_LIMIT_MS: '500' },
    encoding: 'utf8',
    timeout: 30_000,
    cwd: dirname(),
  });
  return (run.stdout || run.stderr).trim();
}
const dirname = (): string => fileURLToPath(new URL('.', import.meta.url));

describe('a decoder that hangs or is missing', () => {
  for (const reader of ['videoFrames', 'videoFramesTwice'] as const) {
    it(`${reader}: a silent ffmpeg is stopped after the idle limit, with a timeout error`, () => {
      assert.match(
        readWith(hang, reader),
        /^timeout: ffmpeg stopped producing output for clip\.mp4/,
      );
    });
    it(`${reader}: a missing ffmpeg is named, with how to install it`, () => {
      assert.match(
        readWith(join(dir, 'no-such-ffmpeg'), reader),
        /^ffmpeg-missing: .*apt-get install ffmpeg/,
      );
    });
  }
});
