// `filmscore reconstruct`: audio through a model folder's own front end, VAE and vocoder.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { melodyControl } from '../../src/features/melody.js';
import { parseWav, writeWav } from '../../src/media/wav.js';
import { concat, note } from '../../src/synth/signals.js';
import { filmscoreJson, runFilmscore } from '../helpers/cli.js';
import { tempDir, makeClip } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

const SR = 16000;
// A C-major phrase, 0.5 s a note, 4 s, swelling from quiet to loud: every frame has one clear
// pitch class, and the dynamics have a shape to follow.
const phrase = concat(
  [60, 62, 64, 65, 67, 69, 71, 72].map((m, i) => note(m, 0.5, SR, 0.03 + 0.06 * i)),
);

describe('filmscore reconstruct', () => {
  const dir = tempDir();
  const tiny = join(dir, 'tiny');
  const input = join(dir, 'phrase.wav');

  before(async () => {
    // A tiny random 128-band model folder (training/export_model.py's export_folder).
    reference('export_tiny_generator', { out: tiny, seed: 0 });
    await writeWav(input, [phrase], SR);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** `filmscore reconstruct <file> -o <out> --model <tiny> …extra --json`, parsed. */
  const reconstruct = (file: string, out: string, ...extra: string[]) =>
    filmscoreJson(dir, 'reconstruct', file, '-o', out, '--model', tiny, ...extra, '--json');

  it('writes a WAV as long as the span asked for, and measures it against the input', () => {
    const out = join(dir, 'out.wav');
    const r = reconstruct(input, out, '--start', '0.5', '--duration', '3');
    assert.equal(r.nMels, 128);
    assert.equal(r.through, 'vae');
    assert.equal(r.duration, 3);
    const wav = parseWav(readFileSync(out));
    assert.ok(wav);
    assert.equal(wav.sampleRate, SR);
    assert.equal(wav.channels[0].length, 3 * SR);
    // A random VAE keeps no melody to speak of; the measurement must say so.
    for (const k of ['melodyAccuracy', 'dynamicsR', 'melL1', 'mrStft'])
      assert.ok(Number.isFinite(r[k]), k);
    assert.ok(r.melodyAccuracy < 0.5, `random VAE kept ${r.melodyAccuracy}`);
    assert.ok(r.mrStft > 0.5);
  });

  it("through the front end and Griffin-Lim alone, 128 bands keep the phrase's melody", () => {
    const out = join(dir, 'gl.wav');
    const r = reconstruct(input, out, '--through', 'vocoder', '--vocoder', 'griffin-lim');
    assert.ok(r.melodyAccuracy > 0.85, `melody ${r.melodyAccuracy}`);
    assert.ok(r.dynamicsR > 0.9, `dynamics r ${r.dynamicsR}`);
    // The JSON's figure is what the written file really holds.
    const wav = parseWav(readFileSync(out));
    assert.ok(wav);
    const kept = melodyControl(wav.channels[0]);
    const want = melodyControl(phrase);
    let same = 0;
    for (let i = 0; i < want.length; i++) if (kept[i] === want[i]) same++;
    assert.ok(Math.abs(same / want.length - r.melodyAccuracy) < 0.02);
  });

  it('reads the sound of a video too', () => {
    const clip = makeClip(join(dir, 'clip.mkv'), { durationS: 2, video: 'testsrc2', toneHz: 440 });
    const r = reconstruct(
      clip,
      join(dir, 'v.wav'),
      '--through',
      'vocoder',
      '--vocoder',
      'griffin-lim',
    );
    assert.ok(Math.abs(r.duration - 2) < 0.05);
    assert.ok(r.melodyAccuracy > 0.9, `440 Hz kept as A: ${r.melodyAccuracy}`);
  });

  it('refuses bad requests with a message that says what to do, and writes nothing', () => {
    const silentFilm = makeClip(join(dir, 'silent.mp4'), { durationS: 1, video: 'testsrc2' });
    const cases: [string[], RegExp][] = [
      [[silentFilm, '-o', join(dir, 'x.wav')], /has no audio track to reconstruct/],
      [[input, '-o', join(dir, 'x.mp3')], /-o must name a \.wav file/],
      [[input, '-o', join(dir, 'x.wav'), '--through', 'unet'], /--through must be vae or vocoder/],
      [[input, '-o', join(dir, 'x.wav'), '--start', '60'], /--start 60 is past the end/],
      [
        [input, '-o', join(dir, 'x.wav'), '--duration', '-1'],
        /--duration must be a number of seconds/,
      ],
      [[join(dir, 'missing.wav'), '-o', join(dir, 'x.wav')], /missing\.wav/],
      [[input, '-o', join(dir, 'x.wav'), '--model', join(dir, 'nope')], /model folder not found/],
    ];
    for (const [args, message] of cases) {
      const r = runFilmscore(
        dir,
        'reconstruct',
        ...args,
        '--model',
        args.includes('--model') ? args[args.indexOf('--model') + 1] : tiny,
      );
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.ok(!existsSync(join(dir, 'x.wav')));
  });
});
