// The streamed mux (media/mux.ts startStreamedMux): the score fed while it is made gives the
// same output as muxing its finished WAV, and a failed or stopped one leaves nothing behind.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeAudio } from '../../src/media/audio-decode.js';
import { MediaError } from '../../src/media/errors.js';
import { muxAudioUnderVideo, startStreamedMux } from '../../src/media/mux.js';
import { encodeWav } from '../../src/media/wav.js';
import { sine } from '../../src/synth/signals.js';
import { makeClip, probeField, streamMd5, tempDir } from '../helpers/media.js';

const dir = tempDir();
const SR = 16000;
const video = makeClip(join(dir, 'clip.mp4'), {
  durationS: 3,
  video: 'testsrc2',
  size: '160x90',
  fps: 25,
  toneHz: 440,
  sampleRate: 44100,
});
// A score 2.9 s long that changes pitch halfway, so a shifted or repeated chunk would show.
const score = new Float32Array(Math.round(2.9 * SR));
score.set(sine(220, 1.45, SR, 0.4));
score.set(sine(330, 1.45, SR, 0.4), Math.round(1.45 * SR));

async function feed(output: string, chunk: number, opts: { kill?: boolean } = {}) {
  const mux = await startStreamedMux({
    video,
    output,
    sampleRate: SR,
    audioDurationS: score.length / SR,
  });
  for (let at = 0; at < score.length; at += chunk) {
    await mux.write(score.subarray(at, Math.min(score.length, at + chunk)));
    if (opts.kill && at > score.length / 2) {
      await mux.abort();
      return undefined;
    }
  }
  return mux.finish();
}

const leftovers = (): string[] => readdirSync(dir).filter((f) => f.includes('.partial'));

describe('startStreamedMux', () => {
  it('gives, sample for sample, the sound the file mux gives, under the same copied picture', async () => {
    const wav = join(dir, 'score.wav');
    writeFileSync(wav, encodeWav([score], SR));
    const fromFile = await muxAudioUnderVideo({ video, audio: wav, output: join(dir, 'file.mp4') });
    // Uneven chunks, as windows of the score arrive.
    const streamed = await feed(join(dir, 'streamed.mp4'), 7919);
    assert.equal(streamed?.sound, 'streamed');
    assert.equal(fromFile.sound, 'file');
    assert.equal(streamed?.fit, 'padded');
    assert.equal(streamed?.video, 'copied');
    const a = await decodeAudio(join(dir, 'file.mp4'), { sampleRate: SR, channels: 1 });
    const b = await decodeAudio(join(dir, 'streamed.mp4'), { sampleRate: SR, channels: 1 });
    assert.equal(b.channels[0].length, a.channels[0].length);
    let diff = 0;
    for (let i = 0; i < a.channels[0].length; i++)
      diff = Math.max(diff, Math.abs(a.channels[0][i] - b.channels[0][i]));
    assert.equal(diff, 0, `largest sample difference ${diff}`);
    assert.equal(streamMd5(join(dir, 'streamed.mp4'), 'v:0'), streamMd5(video, 'v:0'));
    const v = Number(probeField(join(dir, 'streamed.mp4'), 'v:0', 'duration'));
    const s = Number(probeField(join(dir, 'streamed.mp4'), 'a:0', 'duration'));
    assert.ok(Math.abs(s - v) <= 1024 / 48000 + 1e-6, `audio ${s} s vs video ${v} s`);
  });

  it('stopped halfway, leaves neither the output nor a temporary file', async () => {
    const out = join(dir, 'stopped.mp4');
    assert.equal(await feed(out, 4000, { kill: true }), undefined);
    assert.ok(!readdirSync(dir).includes('stopped.mp4'));
    assert.deepEqual(leftovers(), []);
  });

  it('when ffmpeg cannot write, finish() rejects with a MediaError and nothing is left', async () => {
    const out = join(dir, 'no-such-folder', 'out.mp4');
    await assert.rejects(feed(out, 4000), (err: unknown) => err instanceof MediaError);
    assert.deepEqual(leftovers(), []);
  });
});
