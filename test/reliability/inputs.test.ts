import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/media.js';
import {
  assertRefused,
  ffmpeg,
  filmscore,
  folderChanges,
  folderState,
  lavfiClip,
  md5,
} from './fixtures.js';

/**
 * Bad and unusual inputs against the commands that read media (issue 14): each either works
 * (exit 0, an output) or is refused as promised (exit 2, the input named, no stack, the input
 * untouched, nothing written). Inputs are made here: ffmpeg's lavfi sources, byte-level
 * damage, hostile names, things that are not files.
 */

type Outcome = 'ok' | RegExp;

interface InputCase {
  name: string;
  make: (path: string) => void;
  /** What each command should do with it. */
  score: Outcome;
  analyze: Outcome;
  reconstruct: Outcome;
}

function wavBytes(samples: Float32Array, rate = 16000, channels = 1): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(3, 20); // IEEE float
  head.writeUInt16LE(channels, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * channels * 4, 28);
  head.writeUInt16LE(channels * 4, 32);
  head.writeUInt16LE(32, 34);
  head.write('data', 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const tone = (n: number, rate = 16000): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate));

const video = (path: string, seconds = 1.2): void =>
  ffmpeg([...lavfiClip(seconds), '-c:v', 'libx264', '-c:a', 'aac', path]);

// Refusal messages name the input; these say what kind of refusal is promised.
const MISSING = /file is missing/;
const NOT_MEDIA = /not an audio or video file ffmpeg can read|holds no audio or video stream/;
const EMPTY = /is empty \(0 bytes\)/;
const NOT_FILE = /is not a file/;
const NO_VIDEO = /has no video stream/;
const NO_AUDIO = /no sound|no audio/;
const STILL = /is a still image/;
const BAD_SAMPLES = /NaN or infinite samples/;
const LOOP = /points back to itself/;
const TRUNCATED = /truncated or damaged|looks truncated/;

const CASES: InputCase[] = [
  { name: 'ok.mp4', make: (p) => video(p), score: 'ok', analyze: 'ok', reconstruct: 'ok' },
  {
    name: 'spaces and ünïcode ✓.mp4',
    make: (p) => video(p),
    score: 'ok',
    analyze: 'ok',
    reconstruct: 'ok',
  },
  { name: '-dash.mp4', make: (p) => video(p), score: 'ok', analyze: 'ok', reconstruct: 'ok' },
  { name: 'colon:name.mov', make: (p) => video(p), score: 'ok', analyze: 'ok', reconstruct: 'ok' },
  { name: `quote'"$x.mkv`, make: (p) => video(p), score: 'ok', analyze: 'ok', reconstruct: 'ok' },
  {
    name: 'no-extension',
    make: (p) => ffmpeg([...lavfiClip(1), '-c:v', 'libx264', '-f', 'matroska', p]),
    score: 'ok',
    analyze: 'ok',
    reconstruct: 'ok',
  },
  {
    name: 'silent.mp4',
    make: (p) => ffmpeg([...lavfiClip(1, { audioS: 0 }), '-c:v', 'libx264', p]),
    score: 'ok',
    analyze: 'ok',
    reconstruct: NO_AUDIO,
  },
  {
    name: 'tone.wav',
    make: (p) => writeFileSync(p, wavBytes(tone(16000))),
    score: NO_VIDEO,
    analyze: 'ok',
    reconstruct: 'ok',
  },
  {
    name: '8-channels-192k.wav',
    make: (p) => ffmpeg(['-f', 'lavfi', '-i', 'sine=f=300:sample_rate=192000:d=1', '-ac', '8', p]),
    score: NO_VIDEO,
    analyze: 'ok',
    reconstruct: 'ok',
  },
  {
    name: '8k.ogg',
    make: (p) => ffmpeg(['-f', 'lavfi', '-i', 'sine=f=300:sample_rate=8000:d=1', p]),
    score: NO_VIDEO,
    analyze: 'ok',
    reconstruct: 'ok',
  },
  {
    name: 'nan.wav',
    make: (p) => {
      const x = tone(16000);
      x.fill(NaN, 4000, 4100);
      writeFileSync(p, wavBytes(x));
    },
    score: NO_VIDEO,
    analyze: BAD_SAMPLES,
    reconstruct: BAD_SAMPLES,
  },
  {
    name: 'inf.wav',
    make: (p) => {
      const x = tone(16000);
      x[9000] = Infinity;
      writeFileSync(p, wavBytes(x));
    },
    score: NO_VIDEO,
    analyze: BAD_SAMPLES,
    reconstruct: BAD_SAMPLES,
  },
  {
    name: 'header-lies.wav',
    make: (p) => {
      const b = wavBytes(tone(32000));
      b.writeUInt32LE(1e9, 40); // says 1 GB of data
      b.writeUInt32LE(1e9 + 36, 4);
      writeFileSync(p, b);
    },
    score: NO_VIDEO,
    analyze: 'ok',
    reconstruct: 'ok',
  },
  {
    name: 'one-sample.wav',
    make: (p) => writeFileSync(p, wavBytes(Float32Array.of(0.5))),
    score: NO_VIDEO,
    analyze: /no audio samples|too short|needs at least/,
    reconstruct: /no audio samples|too short|needs at least/,
  },
  {
    name: 'empty.mp4',
    make: (p) => writeFileSync(p, ''),
    score: EMPTY,
    analyze: EMPTY,
    reconstruct: EMPTY,
  },
  {
    name: 'random.mp4',
    make: (p) =>
      writeFileSync(p, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) % 251))),
    score: NOT_MEDIA,
    analyze: NOT_MEDIA,
    reconstruct: NOT_MEDIA,
  },
  {
    name: 'text.mov',
    make: (p) => writeFileSync(p, 'this is not a film\n'),
    score: NOT_MEDIA,
    analyze: NOT_MEDIA,
    reconstruct: NOT_MEDIA,
  },
  {
    name: 'moovless.mp4',
    make: (p) => {
      // moov at the end (no faststart), then the end cut off: an ISO file with no index.
      const tmp = `${p}.whole.mp4`;
      video(tmp);
      const b = readFileSync(tmp);
      writeFileSync(p, b.subarray(0, Math.floor(b.length * 0.6)));
      rmSync(tmp);
    },
    score: TRUNCATED,
    analyze: TRUNCATED,
    reconstruct: TRUNCATED,
  },
  {
    name: 'still.png',
    make: (p) => ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48', '-frames:v', '1', p]),
    score: STILL,
    analyze: STILL,
    reconstruct: STILL,
  },
  {
    name: 'photo.jpg',
    make: (p) => ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48', '-frames:v', '1', p]),
    score: STILL,
    analyze: STILL,
    reconstruct: STILL,
  },
  {
    name: 'folder.mp4',
    make: (p) => mkdirSync(p),
    score: NOT_FILE,
    analyze: NOT_FILE,
    reconstruct: NOT_FILE,
  },
  {
    name: 'missing.mp4',
    make: () => undefined,
    score: MISSING,
    analyze: MISSING,
    reconstruct: MISSING,
  },
  {
    name: 'dangling.mp4',
    make: (p) => symlinkSync('nowhere.mp4', p),
    score: MISSING,
    analyze: MISSING,
    reconstruct: MISSING,
  },
  {
    name: 'loop.mp4',
    make: (p) => symlinkSync('loop.mp4', p),
    score: LOOP,
    analyze: LOOP,
    reconstruct: LOOP,
  },
  {
    name: 'fifo.mp4',
    make: (p) => execFileSync('mkfifo', [p]),
    score: NOT_FILE,
    analyze: NOT_FILE,
    reconstruct: NOT_FILE,
  },
];

const COMMANDS = {
  score: (input: string, out: string) => [
    'score',
    input,
    '-o',
    join(out, 'scored.mkv'),
    '--steps',
    '1',
    '-q',
  ],
  analyze: (input: string, out: string) => [
    'analyze',
    input,
    '--png',
    join(out, 'sound.png'),
    '--film-png',
    join(out, 'film.png'),
    '--no-faces',
    '-q',
  ],
  reconstruct: (input: string, out: string) => [
    'reconstruct',
    input,
    '-o',
    join(out, 'back.wav'),
    '-q',
  ],
} as const;

describe('bad and unusual inputs: worked, or refused as promised', () => {
  const dir = tempDir('filmscore-inputs-');
  const inputs = join(dir, 'in');
  before(() => {
    mkdirSync(inputs);
    for (const c of CASES) c.make(join(inputs, c.name));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    for (const command of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      const expected = c[command];
      it(`${command} ${c.name}: ${expected === 'ok' ? 'works' : `refused (${expected.source})`}`, () => {
        const input = join(inputs, c.name);
        const out = join(dir, `out-${command}-${CASES.indexOf(c)}`);
        mkdirSync(out);
        // Only plain files have content to keep (reading a FIFO would wait for a writer).
        let plain = false;
        try {
          plain = statSync(input).isFile();
        } catch {
          /* missing, dangling or a loop */
        }
        const hash = plain ? md5(input) : null;
        const before = folderState(out);
        const r = filmscore(dir, COMMANDS[command](input, out), 60_000);
        if (hash) assert.equal(md5(input), hash, 'the input changed');
        if (expected === 'ok') {
          assert.equal(r.status, 0, r.stderr);
          assert.ok(folderChanges(before, folderState(out)).length > 0, 'nothing was written');
          assert.ok(!folderChanges(before, folderState(out)).some((f) => f.includes('partial')));
        } else {
          assertRefused(r, expected, { dir: out, before });
          assert.ok(r.stderr.includes(c.name), `the input ${c.name} is not named:\n${r.stderr}`);
        }
      });
    }
  }
});

describe('eval: clips it cannot measure are named, not crashed on', () => {
  const dir = tempDir('filmscore-eval-inputs-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, samples, culprit] of [
    [
      'one-sample.wav',
      Float32Array.of(0.5),
      /one-sample\.wav lasts 0\.000 s: too short to measure/,
    ],
    ['nan.wav', tone(16000).fill(NaN, 100, 200), /nan\.wav holds NaN or infinite samples/],
    ['inf.wav', tone(16000).fill(-Infinity, 5000, 5001), /inf\.wav holds NaN or infinite samples/],
  ] as const) {
    it(`eval with ${name}: exit 2, the file named`, () => {
      const gen = join(dir, `gen-${name}`);
      const ref = join(dir, `ref-${name}`);
      mkdirSync(gen);
      mkdirSync(ref);
      writeFileSync(join(gen, 'a.wav'), wavBytes(tone(16000)));
      writeFileSync(join(ref, 'a.wav'), wavBytes(tone(16000)));
      writeFileSync(join(gen, name), wavBytes(samples));
      writeFileSync(join(ref, name), wavBytes(tone(16000)));
      const before = folderState(dir);
      const r = filmscore(dir, ['eval', '--generated', gen, '--reference', ref, '-q'], 60_000);
      assertRefused(r, culprit, { dir, before });
    });
  }
});
