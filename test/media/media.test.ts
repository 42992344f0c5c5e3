// Media I/O through ffmpeg: probe, streamed decode, frames, WAV, mux, and the typed errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeAudio, decodeAudioStream, decodeMono } from '../../src/media/audio-decode.js';
import { MediaError } from '../../src/media/errors.js';
import { muxAudioUnderVideo, StreamingMux } from '../../src/media/mux.js';
import { probe } from '../../src/media/probe.js';
import { videoFrames, videoFramesTwice } from '../../src/media/video-frames.js';
import { encodeWav, parseWav, WavFileWriter, writeWav } from '../../src/media/wav.js';
import { makeClip, probeField, quarterTurned, streamMd5, tempDir } from '../helpers/media.js';
import { sine } from '../../src/synth/signals.js';

const dir = tempDir();
const video = makeClip(join(dir, 'clip.mp4'), {
  durationS: 3,
  video: 'testsrc2',
  size: '320x240',
  fps: 25,
  toneHz: 440,
  sampleRate: 44100,
  channels: 2,
});
const silentVideo = makeClip(join(dir, 'silent.mp4'), {
  durationS: 2,
  video: 'color=c=red',
  size: '64x48',
  fps: 30,
});
const audioOnly = makeClip(join(dir, 'tone.wav'), {
  durationS: 2.5,
  toneHz: 1000,
  sampleRate: 48000,
});

async function rejectsWith(p: Promise<unknown>, kind: string, text: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MediaError, `expected MediaError, got ${err}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, text);
    return true;
  });
}

const testPattern = makeClip(join(dir, 'pattern.mp4'), {
  durationS: 3,
  video: 'testsrc2',
  size: '320x180',
});
const shortPattern = makeClip(join(dir, 'short-pattern.mp4'), {
  durationS: 0.2,
  video: 'testsrc2',
  size: '64x48',
});

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Dominant frequency by counting upward zero crossings. */
function zeroCrossingHz(x: Float32Array, sr: number): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) n++;
  return n / (x.length / sr);
}

describe('probe', () => {
  it('reads duration, streams, frame rate, size and sample rate', async () => {
    const info = await probe(video);
    assert.ok(Math.abs(info.durationS - 3) < 0.05, `duration ${info.durationS}`);
    assert.equal(info.video?.width, 320);
    assert.equal(info.video?.height, 240);
    assert.equal(info.video?.frameRate, 25);
    assert.equal(info.video?.frameCount, 75);
    assert.equal(info.audio?.sampleRate, 44100);
    assert.equal(info.audio?.channels, 2);
    const a = await probe(audioOnly);
    assert.equal(a.video, undefined);
    assert.equal(a.audio?.sampleRate, 48000);
    assert.ok(Math.abs(a.durationS - 2.5) < 1e-3);
  });
});

describe('decodeAudio', () => {
  it("decodes a video file's sound to mono float32 at a requested rate", async () => {
    const { channels, sampleRate } = await decodeAudio(video, { sampleRate: 16000, channels: 1 });
    assert.equal(sampleRate, 16000);
    assert.equal(channels.length, 1);
    assert.ok(Math.abs(channels[0].length - 3 * 16000) <= 1024, `length ${channels[0].length}`);
    assert.ok(Math.abs(zeroCrossingHz(channels[0].subarray(1600, 46000), 16000) - 440) < 2);
  });

  it('keeps stereo when asked, and reads a span', async () => {
    const { channels } = await decodeAudio(audioOnly, {
      sampleRate: 22050,
      channels: 2,
      startS: 1,
      durationS: 1,
    });
    assert.equal(channels.length, 2);
    assert.equal(channels[0].length, 22050);
    assert.ok(Math.abs(zeroCrossingHz(channels[1], 22050) - 1000) < 3);
  });

  it('streams in fixed chunks with flat memory on a 20-minute file', async () => {
    const long = join(dir, 'long.flac');
    makeClip(long, { durationS: 1200, toneHz: 220, sampleRate: 48000, channels: 2 });
    const before = process.memoryUsage().rss;
    let frames = 0;
    let peak = 0;
    let maxChunk = 0;
    for await (const chunk of decodeAudioStream(long, {
      sampleRate: 48000,
      channels: 2,
      chunkFrames: 4800,
    })) {
      frames += chunk.length / 2;
      maxChunk = Math.max(maxChunk, chunk.length);
      if (frames % 480000 === 0) peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    assert.equal(frames, 1200 * 48000);
    assert.equal(maxChunk, 9600);
    // The whole file as float32 is 460 MB; streaming must stay far below that.
    assert.ok(peak < 100 * 2 ** 20, `RSS grew by ${(peak / 2 ** 20).toFixed(1)} MiB`);
  });
});

describe('videoFrames', () => {
  it('samples RGB frames at a requested fps and size', async () => {
    const frames = await drain(videoFrames(silentVideo, { fps: 10, width: 32, height: 24 }));
    assert.equal(frames.length, 20);
    assert.equal(frames[0].rgb.length, 32 * 24 * 3);
    assert.ok(Math.abs(frames[5].timeS - 0.5) < 1e-9);
    const [r, g, b] = frames[7].rgb.subarray(3 * 100, 3 * 100 + 3);
    assert.ok(r > 230 && g < 30 && b < 30, `pixel ${r},${g},${b} should be red`);
  });

  it('two samplings from one decode are exactly the two separate reads', async () => {
    const info = await probe(testPattern);
    const motion = { fps: 10, width: 112, height: 63 };
    const stills = { fps: 1, width: 256, height: 144, startS: 0.5, durationS: 2.2 };
    const spans = { startS: 0.5, durationS: 2.2 };
    const [a, b] = videoFramesTwice(testPattern, { ...motion, ...spans }, stills, info);
    // Read side by side, as recordFilm does (each blocks ffmpeg while its pipe is full).
    const [twiceA, twiceB] = await Promise.all([drain(a), drain(b)]);
    const onceA = await drain(videoFrames(testPattern, { ...motion, ...spans, info }));
    const onceB = await drain(videoFrames(testPattern, { ...stills, info }));
    assert.equal(twiceA.length, onceA.length);
    assert.equal(twiceB.length, onceB.length);
    assert.ok(twiceA.length >= 20 && twiceB.length >= 2);
    twiceA.forEach((f, k) => assert.deepEqual(f.rgb, onceA[k].rgb, `motion frame ${k}`));
    twiceB.forEach((f, k) => {
      assert.deepEqual(f.rgb, onceB[k].rgb, `still ${k}`);
      assert.equal(f.timeS, onceB[k].timeS);
    });
  });

  it('a phone’s quarter-turned clip is read upright, at the size it is shown', async () => {
    // Stored 320 × 180 with a 90° display matrix: shown (and decoded by ffmpeg) 180 × 320.
    const turned = quarterTurned(testPattern, join(dir, 'turned.mp4'));
    const info = await probe(turned);
    assert.deepEqual([info.video?.width, info.video?.height], [180, 320]);
    const [frame] = await drain(videoFrames(turned, { fps: 1, durationS: 1, info }));
    assert.deepEqual([frame.width, frame.height], [180, 320]);
    // The same pixels as ffmpeg's own upright decode of the first frame (a frame read with
    // the stored sides would be the picture sheared across its rows).
    const upright = execFileSync('ffmpeg', [
      ...['-v', 'error', '-i', turned, '-frames:v', '1', '-vf', 'fps=1,scale=180:320:flags=area'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ]);
    let diff = 0;
    for (let i = 0; i < upright.length; i++) diff += Math.abs(frame.rgb[i] - upright[i]);
    assert.equal(frame.rgb.length, upright.length);
    assert.ok(diff / upright.length < 1, `mean difference ${diff / upright.length}`);
  });

  it('a sampling too sparse for a short clip still gets its frame', async () => {
    const info = await probe(shortPattern);
    const [a, b] = videoFramesTwice(
      shortPattern,
      { fps: 10, width: 32, height: 24 },
      { fps: 1, width: 32, height: 24 },
      info,
    );
    const [fa, fb] = await Promise.all([drain(a), drain(b)]);
    assert.equal(fa.length, 2); // 0.2 s at 10 fps
    assert.equal(fb.length, 1); // read again on its own, keeping the last frame
  });
});

describe('WAV', () => {
  const x = sine(300, 0.5, 16000, 0.7);
  for (const format of ['pcm16', 'float32'] as const) {
    it(`writes ${format} that ffmpeg reads back sample for sample`, async () => {
      const path = join(dir, `out-${format}.wav`);
      await writeWav(path, [x, x.map((v) => -v)], 16000, format);
      assert.equal(
        probeField(path, 'a:0', 'codec_name'),
        format === 'pcm16' ? 'pcm_s16le' : 'pcm_f32le',
      );
      const back = await decodeAudio(path, { sampleRate: 16000, channels: 2 });
      const tol = format === 'pcm16' ? 0.5 / 32768 + 1e-7 : 0;
      for (let i = 0; i < x.length; i += 7) {
        assert.ok(Math.abs(back.channels[0][i] - x[i]) <= tol);
        assert.ok(Math.abs(back.channels[1][i] + x[i]) <= tol);
      }
    });
  }

  it('reads WAVs without ffmpeg exactly as ffmpeg decodes them (pcm16, pcm24, float; mono fold-down)', async () => {
    const l = sine(300, 0.5, 16000, 0.6);
    const r = sine(710, 0.5, 16000, 0.3);
    const s24 = join(dir, 'pcm24.wav');
    // A 24-bit stereo file in WAVE_FORMAT_EXTENSIBLE, written by ffmpeg.
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      join(dir, 'out-float32.wav'),
      '-c:a',
      'pcm_s24le',
      s24,
    ]);
    for (const [name, path] of [
      ['pcm16', join(dir, 'out-pcm16.wav')],
      ['float32', join(dir, 'out-float32.wav')],
      ['pcm24', s24],
    ]) {
      const parsed = parseWav(readFileSync(path))!;
      assert.equal(parsed.sampleRate, 16000, name);
      const ff = await decodeAudio(path, { sampleRate: 16000, channels: 2 });
      assert.deepEqual(parsed.channels, ff.channels, `${name}: sample for sample`);
      const [ours] = await decodeMono(path, [16000]);
      const ffMono = (await decodeAudio(path, { sampleRate: 16000, channels: 1 })).channels[0];
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ffMono[i]));
      assert.ok(worst < 1e-6, `${name}: mono fold-down differs by ${worst}`);
    }
    await writeWav(join(dir, 'lr.wav'), [l, r], 16000);
    // Another rate: resampled here (torchaudio's sinc), close to ffmpeg's resampler.
    const [at22] = await decodeMono(join(dir, 'lr.wav'), [22050]);
    const ff22 = (await decodeAudio(join(dir, 'lr.wav'), { sampleRate: 22050, channels: 1 }))
      .channels[0];
    assert.equal(at22.length, ff22.length);
    let err = 0;
    for (let i = 100; i < at22.length - 100; i++) err = Math.max(err, Math.abs(at22[i] - ff22[i]));
    assert.ok(err < 1e-3, `resampled differently by ${err}`);
    // Not a WAV this reader understands (or not a WAV): ffmpeg decodes it.
    assert.equal(parseWav(Buffer.from('RIFF....WAVEjunk')), null);
    const [tone] = await decodeMono(video, [16000]);
    assert.ok(Math.abs(zeroCrossingHz(tone, 16000) - 440) < 5);
  });

  it('a WAV written piece by piece, in any order, is the WAV encodeWav makes; aborted, nothing', async () => {
    const dir = tempDir();
    const x = sine(440, 0.5, 16000);
    const path = join(dir, 'pieces.wav');
    const w = await WavFileWriter.open(path, x.length, 16000);
    assert.equal(readdirSync(dir).includes('pieces.wav'), false, 'not there until committed');
    await w.write(x.subarray(5000), 5000);
    await w.write(x.subarray(0, 5000), 0);
    await w.commit();
    assert.deepEqual(readFileSync(path), encodeWav([x], 16000, 'pcm16'));
    const ff = execFileSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=duration', '-of', 'csv=p=0', path],
      { encoding: 'utf8' },
    );
    assert.equal(Number(ff), 0.5);
    const bad = await WavFileWriter.open(join(dir, 'gone.wav'), 100, 16000);
    await assert.rejects(bad.write(new Float32Array(10), 95), /outside the 100/);
    await bad.abort();
    assert.deepEqual(readdirSync(dir).sort(), ['pieces.wav']);
  });

  it('clips pcm16 to full scale', () => {
    const wav = encodeWav([Float32Array.of(2, -2, 0.5)], 8000, 'pcm16');
    assert.deepEqual(
      [wav.readInt16LE(44), wav.readInt16LE(46), wav.readInt16LE(48)],
      [32767, -32768, 16384],
    );
  });
});

describe('muxAudioUnderVideo', () => {
  const longScore = join(dir, 'score-long.wav');
  const shortScore = join(dir, 'score-short.wav');
  writeFileSync(longScore, encodeWav([sine(220, 5, 48000, 0.5)], 48000));
  writeFileSync(shortScore, encodeWav([sine(220, 1, 48000, 0.5)], 48000));

  for (const [name, score, fit] of [
    ['trims a longer score', longScore, 'trimmed'],
    ['pads a shorter score', shortScore, 'padded'],
  ] as const) {
    it(`${name} to the picture's length and copies the video stream`, async () => {
      const out = join(dir, `muxed-${fit}.mp4`);
      const res = await muxAudioUnderVideo({ video, audio: score, output: out });
      assert.equal(res.fit, fit);
      const v = Number(probeField(out, 'v:0', 'duration'));
      const a = Number(probeField(out, 'a:0', 'duration'));
      // Within one AAC frame (1024 samples at 48 kHz).
      assert.ok(Math.abs(a - v) <= 1024 / 48000 + 1e-6, `audio ${a} s vs video ${v} s`);
      assert.equal(streamMd5(out, 'v:0'), streamMd5(video, 'v:0'), 'video stream re-encoded');
      // The new sound replaced the 440 Hz tone.
      const sound = await decodeAudio(out, { sampleRate: 16000, channels: 1, durationS: 0.8 });
      assert.ok(Math.abs(zeroCrossingHz(sound.channels[0].subarray(1000), 16000) - 220) < 3);
      if (fit === 'padded') {
        const tail = await decodeAudio(out, {
          sampleRate: 16000,
          channels: 1,
          startS: 1.5,
          durationS: 1,
        });
        assert.ok(Math.max(...tail.channels[0].map(Math.abs)) < 1e-3, 'padding is silent');
      }
    });
  }

  it('mixes under the original sound when asked', async () => {
    const out = join(dir, 'mixed.mp4');
    await muxAudioUnderVideo({ video, audio: longScore, output: out, mode: 'mix' });
    const { channels } = await decodeAudio(out, {
      sampleRate: 16000,
      channels: 1,
      startS: 0.5,
      durationS: 1,
    });
    // Both 220 Hz and 440 Hz are present: project onto each.
    const power = (f: number): number => {
      let c = 0;
      let s = 0;
      channels[0].forEach((v, i) => {
        c += v * Math.cos((2 * Math.PI * f * i) / 16000);
        s += v * Math.sin((2 * Math.PI * f * i) / 16000);
      });
      return Math.hypot(c, s) / channels[0].length;
    };
    assert.ok(power(220) > 0.1 && power(440) > 0.05, `220: ${power(220)}, 440: ${power(440)}`);
  });

  it('encodes the score alone at 160 kb/s, mixed with the film at 192 kb/s (README)', async () => {
    // Noise over the whole picture, so that the encoder spends its whole budget.
    let seed = 1;
    const noise = Float32Array.from({ length: 3 * 48000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 0.3 * (seed / 2 ** 30 - 1);
    });
    const noiseWav = join(dir, 'noise-score.wav');
    writeFileSync(noiseWav, encodeWav([noise], 48000));
    const kbps: Record<string, number> = {};
    for (const mode of ['replace', 'mix'] as const) {
      const out = join(dir, `rate-${mode}.mp4`);
      await muxAudioUnderVideo({ video, audio: noiseWav, output: out, mode });
      kbps[mode] = Number(probeField(out, 'a:0', 'bit_rate')) / 1000;
    }
    assert.ok(kbps.replace > 145 && kbps.replace < 170, JSON.stringify(kbps));
    assert.ok(kbps.mix > 180 && kbps.mix < 205, JSON.stringify(kbps));
  });

  it('leaves no output and no temporary file when it fails', async () => {
    const sub = tempDir();
    const out = join(sub, 'never.mp4');
    await rejectsWith(
      muxAudioUnderVideo({ video: audioOnly, audio: longScore, output: out }),
      'no-video',
      /no video stream/,
    );
    await assert.rejects(
      muxAudioUnderVideo({ video, audio: longScore, output: join(sub, 'bad.nosuchformat') }),
    );
    assert.deepEqual(readdirSync(sub), []);
  });
});

describe('StreamingMux', () => {
  // A 16 kHz score (the model's rate) a little shorter than the 3 s picture, as 3 stretches.
  const score = sine(220, 2.5, 16000, 0.5);
  const stretches = [score.subarray(0, 10000), score.subarray(10000, 27000), score.subarray(27000)];
  const scoreWav = join(dir, 'streamed-score.wav');
  writeFileSync(scoreWav, encodeWav([score], 16000));

  async function streamed(output: string, extra: { ffmpeg?: string; mode?: 'mix' } = {}) {
    const info = await probe(video);
    const mux = StreamingMux.start({
      video,
      output,
      videoInfo: info,
      sampleRate: 16000,
      frames: score.length,
      ...extra,
    });
    let at = 0;
    for (const s of stretches) {
      await mux.write(s, at);
      at += s.length;
    }
    return mux.finish(scoreWav);
  }

  for (const ext of ['.mp4', '.avi', '.mkv']) {
    it(`writes the file route's ${ext} to the packet, fed stretch by stretch`, async () => {
      const sub = tempDir();
      const viaPipe = join(sub, `piped${ext}`);
      const viaFile = join(sub, `filed${ext}`);
      const res = await streamed(viaPipe);
      await muxAudioUnderVideo({ video, audio: scoreWav, output: viaFile });
      assert.equal(res.fit, 'padded');
      assert.equal(res.video, ext === '.avi' ? 're-encoded' : 'copied');
      assert.equal(streamMd5(viaPipe, 'a:0'), streamMd5(viaFile, 'a:0'));
      assert.equal(streamMd5(viaPipe, 'v:0'), streamMd5(viaFile, 'v:0'));
      // Only the two outputs: no temporary file left beside them.
      assert.deepEqual(readdirSync(sub).sort(), [basename(viaFile), basename(viaPipe)].sort());
    });
  }

  it('mixes under the film’s own sound as the file route does', async () => {
    const sub = tempDir();
    await streamed(join(sub, 'piped.mp4'), { mode: 'mix' });
    await muxAudioUnderVideo({
      video,
      audio: scoreWav,
      output: join(sub, 'filed.mp4'),
      mode: 'mix',
    });
    assert.equal(
      streamMd5(join(sub, 'piped.mp4'), 'a:0'),
      streamMd5(join(sub, 'filed.mp4'), 'a:0'),
    );
  });

  it('muxes again from the WAV when the streamed run fails', async () => {
    const sub = tempDir();
    const out = join(sub, 'fallback.mp4');
    const res = await streamed(out, { ffmpeg: '/bin/false' });
    assert.equal(res.fit, 'padded');
    const sound = await decodeAudio(out, { sampleRate: 16000, channels: 1, durationS: 0.8 });
    assert.ok(Math.abs(zeroCrossingHz(sound.channels[0].subarray(1000), 16000) - 220) < 3);
    assert.deepEqual(readdirSync(sub), ['fallback.mp4']);
  });

  it('refuses stretches out of order, and leaves nothing when aborted', async () => {
    const sub = tempDir();
    const mux = StreamingMux.start({
      video,
      output: join(sub, 'aborted.mp4'),
      videoInfo: await probe(video),
      sampleRate: 16000,
      frames: score.length,
    });
    await mux.write(stretches[0], 0);
    await assert.rejects(mux.write(stretches[2], 27000), RangeError);
    await mux.abort();
    assert.deepEqual(readdirSync(sub), []);
  });
});

describe('bad input gives a typed error that says what to do', () => {
  it('missing file', async () => {
    await rejectsWith(probe(join(dir, 'nope.mp4')), 'missing-file', /missing/);
  });
  it('not media', async () => {
    const txt = join(dir, 'notes.mp4');
    writeFileSync(txt, 'this is not a video\n'.repeat(50));
    await rejectsWith(probe(txt), 'not-media', /not an audio or video file/);
    await rejectsWith(probe(dir), 'not-media', /not a file/);
  });
  it('no audio stream where one is needed', async () => {
    await rejectsWith(
      decodeAudio(silentVideo, { sampleRate: 16000, channels: 1 }),
      'no-audio',
      /audio track/,
    );
  });
  it('no video stream where one is needed', async () => {
    await rejectsWith(drain(videoFrames(audioOnly, { fps: 10 })), 'no-video', /no video stream/);
  });
  it('zero duration', async () => {
    const empty = join(dir, 'empty.wav');
    writeFileSync(empty, encodeWav([new Float32Array(0)], 16000));
    await rejectsWith(
      decodeAudio(empty, { sampleRate: 16000, channels: 1 }),
      'zero-duration',
      /zero duration|no audio samples/,
    );
    const zeroBytes = join(dir, 'zero.wav');
    writeFileSync(zeroBytes, '');
    await rejectsWith(probe(zeroBytes), 'zero-duration', /empty/);
  });
  it('truncated files: a WAV cut short and an MP4 missing its index', async () => {
    const wav = join(dir, 'cut.wav');
    writeFileSync(wav, encodeWav([sine(440, 4, 16000)], 16000));
    truncateSync(wav, Math.floor(statSync(wav).size / 3));
    await rejectsWith(
      decodeAudio(wav, { sampleRate: 16000, channels: 1 }),
      'truncated',
      /truncated/,
    );
    const mp4 = join(dir, 'cut.mp4');
    const whole = readFileSync(video);
    writeFileSync(mp4, whole.subarray(0, Math.floor(whole.length / 2)));
    await rejectsWith(probe(mp4), 'truncated', /truncated/);
  });
  it('bad arguments', async () => {
    await rejectsWith(
      decodeAudio(video, { sampleRate: 0, channels: 1 }),
      'bad-argument',
      /sampleRate/,
    );
    await rejectsWith(drain(videoFrames(video, { fps: -1 })), 'bad-argument', /fps/);
  });
});
