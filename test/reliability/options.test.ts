import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/media.js';
import { assertRefused, ffmpeg, filmscore, folderState, lavfiClip } from './fixtures.js';

/**
 * Hostile option values (issue 14): every one refused with exit 2 and the option named, the
 * folder left as it was; "" is never read as 0, a negative level never as "not name=value".
 * Valid edge values work.
 */

interface OptionCase {
  args: string[];
  /** The option (or message) the refusal must name; 'ok' when it should work. */
  expect: string | RegExp | 'ok';
}

const SCORE = ['score', 'in.mp4', '-o', 'out.mkv', '-q'];
const FAST = ['--steps', '1'];

const refusedNumbers = (option: string, values: string[], base: string[] = SCORE): OptionCase[] =>
  values.map((v) => ({ args: [...base, option, v], expect: option }));

const CASES: OptionCase[] = [
  ...refusedNumbers('--steps', [
    '0',
    '-1',
    'abc',
    '',
    ' ',
    '1.5',
    '99999',
    '0x10',
    '1e9',
    'NaN',
    'Infinity',
  ]),
  ...refusedNumbers(
    '--seed',
    ['', '-1', 'abc', '4294967296', '1.5', '0x10', ' '],
    [...SCORE, ...FAST],
  ),
  ...refusedNumbers(
    '--guidance',
    ['', '-1', '31', 'nan', '1e999', 'abc', '+', '.'],
    [...SCORE, ...FAST],
  ),
  { args: [...SCORE, ...FAST, '--scheduler', 'euler'], expect: '--scheduler' },
  { args: [...SCORE, ...FAST, '--scheduler', ''], expect: '--scheduler' },
  { args: [...SCORE, ...FAST, '--vocoder', 'wavenet'], expect: '--vocoder' },
  { args: [...SCORE, ...FAST, '--mood', 'pace=-1'], expect: /--mood: pace=-1 is outside 0–1/ },
  { args: [...SCORE, ...FAST, '--mood', 'pace=2'], expect: /--mood: pace=2 is outside 0–1/ },
  { args: [...SCORE, ...FAST, '--mood', 'pace='], expect: /--mood: pace= is not a number/ },
  { args: [...SCORE, ...FAST, '--mood', 'pace=abc'], expect: /--mood: pace=abc is not a number/ },
  { args: [...SCORE, ...FAST, '--mood', 'pace'], expect: /--mood: "pace" is not name=value/ },
  {
    args: [...SCORE, ...FAST, '--mood', 'joy=0.5'],
    expect: /--mood: "joy" is not a condition of this model/,
  },
  { args: [...SCORE, ...FAST, '--mood', '=0.5'], expect: /--mood: "=0.5" is not name=value/ },
  { args: [...SCORE, ...FAST, '--controls', 'melody'], expect: /need --style-from/ },
  { args: [...SCORE, ...FAST, '--style-start', '3'], expect: /need --style-from/ },
  { args: [...SCORE, ...FAST, '--no-control-guidance'], expect: /need --style-from/ },
  { args: [...SCORE, ...FAST, '--no-dynamics-ride'], expect: /need --style-from/ },
  { args: [...SCORE, ...FAST, '--video-codec', 'x;rm'], expect: '--video-codec' },
  { args: [...SCORE, ...FAST, '--video-codec', ''], expect: '--video-codec' },
  { args: [...SCORE, '--bogus'], expect: /unknown option '--bogus'/ },
  { args: ['score', 'in.mp4'], expect: /required option '-o, --output <file>' not specified/ },
  { args: ['score', '-o', 'out.mkv'], expect: /missing required argument 'video'/ },
  { args: ['score', 'in.mp4', 'extra.mp4', '-o', 'out.mkv'], expect: /too many arguments|excess/ },
  { args: ['nonsense'], expect: /unknown command 'nonsense'/ },
  { args: [...SCORE, '--model', 'no-such-model'], expect: /no-such-model/ },
  // transfer (refused before the model is needed)
  { args: ['transfer', 'tone.wav', '-o', 'new.wav', '--duration', '0'], expect: '--duration' },
  { args: ['transfer', 'tone.wav', '-o', 'new.wav', '--duration', 'abc'], expect: '--duration' },
  { args: ['transfer', 'tone.wav', '-o', 'new.wav', '--duration', ''], expect: '--duration' },
  // reconstruct
  ...refusedNumbers(
    '--start',
    ['-1', 'abc', ''],
    ['reconstruct', 'tone.wav', '-o', 'back.wav', '-q'],
  ),
  ...refusedNumbers(
    '--duration',
    ['-1', 'abc', ''],
    ['reconstruct', 'tone.wav', '-o', 'back.wav', '-q'],
  ),
  { args: ['reconstruct', 'tone.wav', '-o', 'back.wav', '--through', 'unet'], expect: '--through' },
  { args: ['reconstruct', 'tone.wav', '-o', 'back.wav', '--vocoder', 'x'], expect: '--vocoder' },
  {
    args: ['reconstruct', 'tone.wav', '-o', 'back.wav', '--start', '5', '-q'],
    expect: /gives only|nothing|past the end|start/,
  },
  // calibrate
  ...refusedNumbers('--points', ['0', '1', 'abc', ''], ['calibrate', '--dry-run', '-q']),
  ...refusedNumbers('--seeds', ['0', 'abc', ''], ['calibrate', '--dry-run', '-q']),
  { args: ['calibrate', '--dry-run', '--descriptors', 'joy'], expect: '--descriptors' },
  // dataset
  ...refusedNumbers(
    '--clip-seconds',
    ['0', '-1', 'abc', ''],
    ['dataset', 'build', 'm.jsonl', '--out', 'ds'],
  ),
  { args: ['dataset', 'build', 'm.jsonl', '--out', 'ds', '--ratios', '1,2'], expect: '--ratios' },
  { args: ['dataset', 'build', 'm.jsonl', '--out', 'ds', '--ratios', '0,0,0'], expect: '--ratios' },
  ...refusedNumbers(
    '--count',
    ['0', '-2', '1.5', 'abc'],
    ['dataset', 'synth-pairs', '--out', 'pairs'],
  ),
  ...refusedNumbers('--seconds', ['0', 'abc'], ['dataset', 'synth-pairs', '--out', 'pairs']),
  { args: ['dataset', 'build', 'missing.jsonl', '--out', 'ds', '-q'], expect: 'missing.jsonl' },
  // mos
  ...refusedNumbers('--port', ['abc', '99999', '-1', '', '80.5'], ['mos', 'serve', 'clips']),
  {
    args: ['mos', 'serve', 'clips', '--port', '0', '--host', '203.0.113.9'],
    expect: '--host 203.0.113.9',
  },
  { args: ['mos', 'serve', 'no-clips-here', '--port', '0'], expect: 'no-clips-here' },
  // eval
  { args: ['eval', '--generated', 'nowhere'], expect: 'nowhere' },
  {
    args: ['eval', '--generated', 'clips/ours', '--audio-model', 'vggish:missing.onnx'],
    expect: 'missing.onnx',
  },
  {
    args: ['eval', '--generated', 'clips/ours', '--audio-model', 'bogus'],
    expect: '--audio-model',
  },
  // valid edge values work
  { args: [...SCORE, '--steps', '1', '--seed', '4294967295', '--guidance', '0'], expect: 'ok' },
  { args: [...SCORE, '--steps', '1', '--mood', 'pace=0, tension = 1'], expect: 'ok' },
  {
    args: [...SCORE, '--steps', '1', '--scheduler', 'ddim', '--vocoder', 'griffin-lim'],
    expect: 'ok',
  },
  { args: ['--version'], expect: 'ok' },
  { args: ['score', '--help'], expect: 'ok' },
];

describe('hostile options are refused as promised', () => {
  const dir = tempDir('filmscore-options-');
  before(() => {
    ffmpeg([...lavfiClip(1), '-c:v', 'libx264', '-c:a', 'aac', join(dir, 'in.mp4')]);
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=330:d=1.5', join(dir, 'tone.wav')]);
    mkdirSync(join(dir, 'clips', 'ours'), { recursive: true });
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=330:d=1.5', join(dir, 'clips', 'ours', 'a.wav')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(`${c.args.map((a) => JSON.stringify(a)).join(' ')}: ${c.expect === 'ok' ? 'works' : 'refused'}`, () => {
      const before = folderState(dir);
      const r = filmscore(dir, c.args, 60_000);
      if (c.expect === 'ok') {
        assert.equal(r.status, 0, r.stderr);
        rmSync(join(dir, 'out.mkv'), { force: true });
      } else {
        assertRefused(r, c.expect, { dir, before });
      }
    });
  }
});
