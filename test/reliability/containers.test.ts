import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONTAINERS } from '../../src/media/containers.js';
import { tempDir } from '../helpers/media.js';
import {
  assertRefused,
  decodedSeconds,
  decodedSpan,
  ffmpeg,
  filmscore,
  folderChanges,
  folderState,
  lavfiClip,
  md5,
  probeValue,
} from './fixtures.js';

/**
 * Any container in, any container out (issue 14): every source below scored into every output
 * type. The picture is copied when the container takes its codec and re-encoded (with a line
 * saying so) when it does not; the score lasts exactly as long as the picture; the input is
 * untouched and nothing but the output is left. The default model at one step keeps it quick.
 */

const SOURCES: { name: string; codec: string; args: string[] }[] = [
  { name: 'h264.mp4', codec: 'h264', args: ['-c:v', 'libx264', '-c:a', 'aac'] },
  { name: 'mpeg4.avi', codec: 'mpeg4', args: ['-c:v', 'mpeg4', '-c:a', 'libmp3lame'] },
  { name: 'xvid.avi', codec: 'mpeg4', args: ['-c:v', 'libxvid', '-bf', '2', '-c:a', 'libmp3lame'] },
  { name: 'vp8.webm', codec: 'vp8', args: ['-c:v', 'libvpx', '-c:a', 'libopus'] },
  {
    name: 'vp9.webm',
    codec: 'vp9',
    args: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-c:a', 'libopus'],
  },
  { name: 'mjpeg.mov', codec: 'mjpeg', args: ['-c:v', 'mjpeg', '-c:a', 'pcm_s16le'] },
  { name: 'prores.mov', codec: 'prores', args: ['-c:v', 'prores', '-c:a', 'pcm_s16le'] },
  { name: 'h264.mkv', codec: 'h264', args: ['-c:v', 'libx264', '-c:a', 'flac'] },
  { name: 'odd.gif', codec: 'gif', args: [] },
];

/** The codec each container's own encoder writes. */
const ENCODED: Record<string, string> = {
  '.mp4': 'h264',
  '.m4v': 'h264',
  '.mov': 'h264',
  '.mkv': 'h264',
  '.webm': 'vp9',
  '.avi': 'mpeg4',
};

/** The audio codec each container gets. */
const AUDIO: Record<string, string> = {
  '.mp4': 'aac',
  '.m4v': 'aac',
  '.mov': 'aac',
  '.mkv': 'flac',
  '.webm': 'opus',
  '.avi': 'pcm_s16le',
};

const SECONDS = 1.6;
// One audio frame of the coarsest codec (AAC: 1024 samples at 48 kHz, 21 ms; Opus 20 ms).
const LENGTH_TOLERANCE_S = 0.022;
// One picture frame at 25 fps.
const PACKED_B_FRAMES_TOLERANCE_S = 0.041;

describe('every container in, every container out', () => {
  const dir = tempDir('filmscore-containers-');
  const src = join(dir, 'src');
  const out = join(dir, 'out');

  before(() => {
    mkdirSync(src);
    mkdirSync(out);
    for (const s of SOURCES) {
      const input =
        s.codec === 'gif'
          ? lavfiClip(SECONDS, { audioS: 0, size: '161x121', rate: 10 })
          : lavfiClip(SECONDS);
      ffmpeg([...input, ...s.args, join(src, s.name)]);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const s of SOURCES) {
    for (const ext of Object.keys(CONTAINERS)) {
      it(`${s.name} → ${ext}`, () => {
        const input = join(src, s.name);
        const output = join(out, `${s.name.replace('.', '-')}${ext}`);
        const hash = md5(input);
        const before = folderState(out);
        const r = filmscore(dir, ['score', input, '-o', output, '--steps', '1']);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(md5(input), hash, 'the input changed');
        assert.deepEqual(folderChanges(before, folderState(out)), [
          `+${output.slice(out.length + 1)}`,
        ]);
        const copied = CONTAINERS[ext].copies.includes(s.codec);
        const videoCodec = probeValue(output, 'v:0', 'codec_name');
        assert.equal(videoCodec, copied ? s.codec : ENCODED[ext]);
        assert.equal(/re-encoding the picture|re-encoding it/.test(r.stderr), !copied, r.stderr);
        assert.equal(probeValue(output, 'a:0', 'codec_name'), AUDIO[ext]);
        const picture = decodedSeconds(input, 'v');
        const sound = decodedSeconds(output, 'a');
        if (s.name.startsWith('xvid')) {
          // XviD's packed B-frames: AVI gives them no presentation times and the first frame
          // shows 0.16 s in; the score (from 0) ends with the picture, within a frame.
          const { end } = decodedSpan(output, 'v');
          assert.ok(
            Math.abs(sound - end) <= PACKED_B_FRAMES_TOLERANCE_S + LENGTH_TOLERANCE_S,
            `score ${sound} s, picture ends at ${end} s`,
          );
          return;
        }
        const shown = decodedSeconds(output, 'v');
        assert.ok(Math.abs(shown - picture) <= 0.001, `picture ${shown} s of ${picture} s`);
        assert.ok(
          Math.abs(sound - shown) <= LENGTH_TOLERANCE_S,
          `score ${sound.toFixed(3)} s under ${shown.toFixed(3)} s of picture`,
        );
      });
    }
  }

  it('--video-codec copy refuses a picture the container cannot hold, naming the output', () => {
    const input = join(src, 'vp8.webm');
    const output = join(out, 'copy-refused.mp4');
    const before = folderState(out);
    const r = filmscore(dir, [
      'score',
      input,
      '-o',
      output,
      '--steps',
      '1',
      '--video-codec',
      'copy',
    ]);
    assertRefused(r, /cannot write .*copy-refused\.mp4: MP4 cannot hold this picture/, {
      dir: out,
      before,
    });
  });

  it('--video-codec <encoder> re-encodes with it', () => {
    const input = join(src, 'h264.mp4');
    const output = join(out, 'mjpeg.mkv');
    const r = filmscore(dir, [
      'score',
      input,
      '-o',
      output,
      '--steps',
      '1',
      '--video-codec',
      'mjpeg',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(probeValue(output, 'v:0', 'codec_name'), 'mjpeg');
  });

  it('--video-codec with an encoder this ffmpeg lacks is refused before any work', () => {
    const before = folderState(out);
    const r = filmscore(dir, [
      'score',
      join(src, 'h264.mp4'),
      '-o',
      join(out, 'x.mp4'),
      '--video-codec',
      'no_such_encoder',
    ]);
    assertRefused(r, '--video-codec no_such_encoder', { dir: out, before });
  });
});

describe('the score lasts as long as the picture, not the container', () => {
  const dir = tempDir('filmscore-length-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const ext of ['.mkv', '.webm', '.mp4']) {
    it(`${ext}: 3 s of picture with 5 s of sound gets 3 s of score`, () => {
      const input = join(dir, `long-sound${ext}`);
      const codecs = ext === '.webm' ? ['-c:v', 'libvpx', '-c:a', 'libopus'] : ['-c:v', 'libx264'];
      ffmpeg([...lavfiClip(3, { audioS: 5 }), ...codecs, input]);
      const output = join(dir, `long-sound-scored${ext}`);
      const r = filmscore(dir, ['score', input, '-o', output, '--steps', '1', '--json', '-q']);
      assert.equal(r.status, 0, r.stderr);
      const json = JSON.parse(r.stdout) as { duration: number };
      assert.ok(Math.abs(json.duration - 3) < 0.05, `scored ${json.duration} s`);
      assert.ok(Math.abs(decodedSeconds(output, 'a') - 3) <= LENGTH_TOLERANCE_S);
    });
  }

  it('a faststart MP4 cut in half is scored for the picture that is there', () => {
    const whole = join(dir, 'whole.mp4');
    ffmpeg([...lavfiClip(4), '-c:v', 'libx264', '-g', '5', '-movflags', '+faststart', whole]);
    const bytes = readFileSync(whole);
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const picture = decodedSeconds(cut, 'v');
    assert.ok(picture > 0.5 && picture < 3.5, `the cut file holds ${picture} s of picture`);
    const output = join(dir, 'cut-scored.mkv');
    const r = filmscore(dir, ['score', cut, '-o', output, '--steps', '1', '--json', '-q']);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { duration: number };
    assert.ok(
      Math.abs(json.duration - picture) < 0.05,
      `scored ${json.duration} s of ${picture} s`,
    );
  });

  it('a 0.2 s clip and a one-frame clip are scored, not called damaged', () => {
    for (const [name, args] of [
      ['sting.mp4', [...lavfiClip(0.2, { audioS: 0 }), '-c:v', 'libx264']],
      ['frame.mp4', [...lavfiClip(0.04, { audioS: 0 }), '-frames:v', '1', '-c:v', 'libx264']],
    ] as const) {
      const input = join(dir, name);
      ffmpeg([...args, input]);
      const output = join(dir, `scored-${name}`);
      const r = filmscore(dir, ['score', input, '-o', output, '--steps', '1', '--json', '-q']);
      assert.equal(r.status, 0, r.stderr);
      const picture = decodedSeconds(input, 'v');
      assert.ok(Math.abs(decodedSeconds(output, 'a') - picture) <= LENGTH_TOLERANCE_S);
    }
  });

  it('a copy of the input under another name is still the input', () => {
    const input = join(dir, 'a.mp4');
    ffmpeg([...lavfiClip(1), '-c:v', 'libx264', input]);
    copyFileSync(input, join(dir, 'b.mp4'));
    const r = filmscore(dir, ['score', 'a.mp4', '-o', 'b.mp4', '--steps', '1', '-q']);
    // A copy is another file: it is the named output, so it is replaced.
    assert.equal(r.status, 0, r.stderr);
  });
});
