import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/media.js';
import {
  assertRefused,
  ffmpeg,
  filmscore,
  folderChanges,
  folderState,
  lavfiClip,
} from './fixtures.js';

/**
 * What is never overwritten (issue 14): an output that is an input (under any spelling, link or
 * hard link), two outputs that are one file, a folder, a device, a non-SQLite --db, a damaged
 * dataset index. Every refusal comes before any work, exits 2, names the option, and leaves
 * the folder exactly as it was; the named output itself may be replaced.
 */

interface OutputCase {
  name: string;
  /** Arguments, run in the work folder (in.mp4, tone.wav, a file, a folder are there). */
  args: string[];
  /** What the message must name; 'ok' when the command should work. */
  expect: string | RegExp | 'ok';
  setup?: (dir: string) => void;
}

const LONG = 'n'.repeat(246); // + ".mp4" = 250 bytes: fits, and so must the temp name
const TOO_LONG = 'n'.repeat(252); // 256 bytes

const SCORE = ['score', 'in.mp4', '--steps', '1', '-q'];

const CASES: OutputCase[] = [
  {
    name: '-o is the input',
    args: [...SCORE, '-o', 'in.mp4'],
    expect: /-o\/--output in\.mp4 is the input video itself/,
  },
  {
    name: '-o is the input spelt ./',
    args: [...SCORE, '-o', './in.mp4'],
    expect: /-o\/--output \.\/in\.mp4 is the input video/,
  },
  {
    name: '-o is the input by absolute path',
    args: [...SCORE, '-o', '@DIR/in.mp4'],
    expect: /is the input video/,
  },
  {
    name: '-o is a symbolic link to the input',
    setup: (d) => symlinkSync('in.mp4', join(d, 'link.mp4')),
    args: [...SCORE, '-o', 'link.mp4'],
    expect: /-o\/--output link\.mp4 is the input video/,
  },
  {
    name: '-o is a hard link of the input',
    setup: (d) => linkSync(join(d, 'in.mp4'), join(d, 'hard.mp4')),
    args: [...SCORE, '-o', 'hard.mp4'],
    expect: /-o\/--output hard\.mp4 is the input video/,
  },
  {
    name: '--wav is the input',
    args: [...SCORE, '-o', 'out.mp4', '--wav', 'in.mp4'],
    expect: /--wav in\.mp4 is the input video/,
  },
  {
    name: '--wav is -o',
    args: [...SCORE, '-o', 'out.mp4', '--wav', 'out.mp4'],
    expect: /--wav and -o\/--output name the same file/,
  },
  {
    name: '--wav is -o spelt ./',
    args: [...SCORE, '-o', 'out.mkv', '--wav', './out.mkv'],
    expect: /name the same file/,
  },
  {
    name: '-o in a missing folder',
    args: [...SCORE, '-o', 'nowhere/out.mp4'],
    expect: /-o\/--output nowhere\/out\.mp4: the folder .* does not exist/,
  },
  {
    name: '-o under a file',
    args: [...SCORE, '-o', 'afile.txt/out.mp4'],
    expect: /is a file, not a folder/,
  },
  {
    name: '-o is a folder',
    args: [...SCORE, '-o', 'folder.mp4'],
    expect: /-o\/--output folder\.mp4 is a folder/,
  },
  {
    name: '-o where nothing can be written',
    args: [...SCORE, '-o', '/proc/filmscore-test.mp4'],
    expect: /cannot write in \/proc/,
  },
  {
    name: '-o is a FIFO',
    setup: (d) => execFileSync('mkfifo', [join(d, 'pipe.mp4')]),
    args: [...SCORE, '-o', 'pipe.mp4'],
    expect: /not a plain file/,
  },
  {
    name: '-o name of 256 bytes',
    args: [...SCORE, '-o', `${TOO_LONG}.mp4`],
    expect: /the file name is 256 bytes long/,
  },
  { name: '-o name of 250 bytes', args: [...SCORE, '-o', `${LONG}.mp4`], expect: 'ok' },
  { name: '-o .xyz', args: [...SCORE, '-o', 'out.xyz'], expect: /"\.xyz" is not a video type/ },
  {
    name: '-o without an extension',
    args: [...SCORE, '-o', 'out'],
    expect: /the name has no extension/,
  },
  { name: '-o .wav', args: [...SCORE, '-o', 'out.wav'], expect: /add --wav <file\.wav>/ },
  { name: '-o .mp3', args: [...SCORE, '-o', 'out.mp3'], expect: /"\.mp3" is not a video type/ },
  { name: '-o empty', args: [...SCORE, '-o', ''], expect: /the name has no extension|is empty/ },
  {
    name: '-o trailing slash',
    args: [...SCORE, '-o', 'out.mp4/'],
    expect: /-o\/--output out\.mp4\/ ends in \/, so it names a folder/,
  },
  {
    name: '-o an existing other file: replaced, as named',
    setup: (d) => writeFileSync(join(d, 'old.mkv'), 'old'),
    args: [...SCORE, '-o', 'old.mkv'],
    expect: 'ok',
  },
  {
    name: '--wav in a missing folder',
    args: [...SCORE, '-o', 'out.mp4', '--wav', 'nowhere/s.wav'],
    expect: /--wav nowhere\/s\.wav: the folder/,
  },
  {
    name: '--wav is a folder',
    args: [...SCORE, '-o', 'out.mp4', '--wav', 'folder.mp4'],
    expect: /--wav folder\.mp4 is a folder/,
  },
  // transfer: the reference and the film are inputs; -o and --png outputs.
  {
    name: 'transfer -o is the reference',
    args: ['transfer', 'tone.wav', '-o', 'tone.wav'],
    expect: /-o\/--output tone\.wav is the reference piece itself/,
  },
  {
    name: 'transfer --png is the reference',
    args: ['transfer', 'tone.wav', '-o', 'new.wav', '--png', 'tone.wav'],
    expect: /--png tone\.wav is the reference piece/,
  },
  {
    name: 'transfer --png is -o',
    args: ['transfer', 'tone.wav', '-o', 'new.wav', '--png', 'new.wav'],
    expect: /--png and -o\/--output name the same file/,
  },
  {
    name: 'transfer -o not .wav',
    args: ['transfer', 'tone.wav', '-o', 'new.mp3'],
    expect: /give a name ending in \.wav/,
  },
  {
    name: 'transfer -o in a missing folder',
    args: ['transfer', 'tone.wav', '-o', 'nowhere/new.wav'],
    expect: /the folder .* does not exist/,
  },
  // reconstruct
  {
    name: 'reconstruct -o is the input',
    args: ['reconstruct', 'tone.wav', '-o', 'tone.wav', '-q'],
    expect: /-o\/--output tone\.wav is the input itself/,
  },
  {
    name: 'reconstruct -o in a missing folder',
    args: ['reconstruct', 'tone.wav', '-o', 'nowhere/x.wav', '-q'],
    expect: /the folder .* does not exist/,
  },
  {
    name: 'reconstruct -o not .wav',
    args: ['reconstruct', 'tone.wav', '-o', 'x.flac', '-q'],
    expect: /-o must name a \.wav file/,
  },
  // analyze: the figures are outputs
  {
    name: 'analyze --png is the input',
    args: ['analyze', 'tone.wav', '--png', 'tone.wav', '-q'],
    expect: /--png tone\.wav is the input itself/,
  },
  {
    name: 'analyze --film-png is the input',
    args: ['analyze', 'in.mp4', '--film-png', 'in.mp4', '--no-faces', '-q'],
    expect: /--film-png in\.mp4 is the input/,
  },
  {
    name: 'analyze --png is --film-png',
    args: ['analyze', 'in.mp4', '--png', 'f.png', '--film-png', 'f.png', '--no-faces', '-q'],
    expect: /name the same file/,
  },
  {
    name: 'analyze --png in a missing folder',
    args: ['analyze', 'tone.wav', '--png', 'nowhere/f.png', '-q'],
    expect: /the folder .* does not exist/,
  },
  // mos serve --db: a file that is not ours is never replaced
  {
    name: 'mos serve --db a text file',
    args: ['mos', 'serve', 'clips', '--db', 'afile.txt', '--port', '0'],
    expect: /--db afile\.txt exists and is not a SQLite database/,
  },
  {
    name: 'mos serve --db a folder',
    args: ['mos', 'serve', 'clips', '--db', 'folder.mp4', '--port', '0'],
    expect: /--db folder\.mp4 is a folder/,
  },
  {
    name: "mos serve --db another program's database",
    setup: (d) => {
      const db = new Database(join(d, 'other.sqlite'));
      db.exec('CREATE TABLE invoices (id INTEGER)');
      db.close();
    },
    args: ['mos', 'serve', 'clips', '--db', 'other.sqlite', '--port', '0'],
    expect: /another program's database \(tables invoices\)/,
  },
  {
    name: 'mos report --db a text file',
    args: ['mos', 'report', '--db', 'afile.txt'],
    expect: /--db afile\.txt exists and is not a SQLite database/,
  },
  // dataset build
  {
    name: 'dataset build --out a file',
    args: ['dataset', 'build', 'manifest.jsonl', '--out', 'afile.txt', '-q'],
    expect: /--out afile\.txt is a file, not a folder/,
  },
  {
    name: 'dataset build with a damaged index.sqlite',
    setup: (d) => {
      mkdirSync(join(d, 'ds'));
      writeFileSync(join(d, 'ds', 'index.sqlite'), 'SQLite format 3\0garbage garbage garbage');
    },
    args: ['dataset', 'build', 'manifest.jsonl', '--out', 'ds', '-q'],
    expect: /the dataset index .*index\.sqlite is a damaged SQLite database|not a SQLite database/,
  },
];

describe('outputs never destroy what is read', () => {
  const root = tempDir('filmscore-outputs-');
  const media = join(root, 'media');
  before(() => {
    mkdirSync(media);
    ffmpeg([...lavfiClip(1.2), '-c:v', 'libx264', '-c:a', 'aac', join(media, 'in.mp4')]);
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=330:d=1.5', join(media, 'tone.wav')]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [k, c] of CASES.entries()) {
    it(c.name, () => {
      const dir = join(root, `case-${k}`);
      mkdirSync(dir);
      execFileSync('cp', [join(media, 'in.mp4'), join(media, 'tone.wav'), dir]);
      writeFileSync(join(dir, 'afile.txt'), 'a file, not a folder\n');
      mkdirSync(join(dir, 'folder.mp4'));
      mkdirSync(join(dir, 'clips', 'ours'), { recursive: true });
      execFileSync('cp', [join(media, 'tone.wav'), join(dir, 'clips', 'ours', 'a.wav')]);
      writeFileSync(
        join(dir, 'manifest.jsonl'),
        `${JSON.stringify({ film: 'F', soundtrack: 'S', composer: 'C', genres: ['drama'], media: 'tone.wav', start: 0, end: 1.5 })}\n`,
      );
      c.setup?.(dir);
      const before = folderState(dir);
      const args = c.args.map((a) => a.replace('@DIR', dir));
      const r = filmscore(dir, args, 60_000);
      if (c.expect === 'ok') {
        assert.equal(r.status, 0, r.stderr);
        const changes = folderChanges(before, folderState(dir));
        assert.equal(changes.length, 1, changes.join(' '));
        assert.ok(!changes[0].includes('partial'), changes[0]);
      } else {
        assertRefused(r, c.expect, { dir, before });
      }
    });
  }
});
