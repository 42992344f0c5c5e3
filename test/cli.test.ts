// `filmscore analyze` end to end: the CLI as a user runs it, on audio and on video.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeWav } from '../src/media/wav.js';
import { clicks, concat, note } from '../src/synth/signals.js';
import { makeClip, tempDir } from './helpers/media.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = tempDir();

function filmscore(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('filmscore analyze', () => {
  it('--json on a WAV: the documented fields with the right values', async () => {
    // G4 for 2 s then D5 for 2 s, with clicks every 0.5 s (120 BPM).
    const sr = 22050;
    const tone = concat([note(67, 2, sr, 0.3), note(74, 2, sr, 0.3)]);
    const beats = clicks(
      Array.from({ length: 8 }, (_, i) => 0.25 + i * 0.5),
      4,
      sr,
    );
    const wav = join(dir, 'piece.wav');
    await writeWav(wav, [tone.map((v, i) => v + 0.5 * beats[i])], sr);
    const r = filmscore('analyze', wav, '--json', '--png', 'piece.png');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(Math.abs(j.duration - 4) < 1e-3);
    assert.equal(j.sampleRate, 16000);
    assert.equal(j.frameRate, 100);
    assert.equal(j.melody.length, j.dynamics.length);
    assert.equal(j.melody.length, 401);
    assert.equal(j.melody[100], 7, 'G in the first half');
    assert.equal(j.melody[300], 2, 'D in the second half');
    assert.ok(j.onsets.length >= 7 && j.onsets.length <= 9, `onsets ${j.onsets}`);
    assert.ok(Math.abs(j.onsets[1] - 0.75) < 0.05, `second onset ${j.onsets[1]}`);
    assert.ok(Math.abs(j.tempo - 120) < 3, `tempo ${j.tempo}`);
    assert.ok(j.beats.length >= 5);
    const png = readFileSync(join(dir, 'piece.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 1400, 'figure width');
  });

  it('summary on a video file, with the default figure name', () => {
    makeClip(join(dir, 'clip.mp4'), { durationS: 3, video: 'testsrc2', toneHz: 440 });
    const r = filmscore('analyze', 'clip.mp4', '--quiet');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /clip\.mp4: 3\.\d+ s \(video 160×120/);
    assert.match(r.stdout, /most frequent pitch classes: A \d+%/);
    assert.ok(existsSync(join(dir, 'clip.analysis.png')));
    assert.equal(r.stderr, '', 'quiet means no progress');
  });

  it('bad input: exit code 2 and a message that says what to do', () => {
    const missing = filmscore('analyze', 'nope.mp4');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.mp4: file is missing/);
    writeFileSync(join(dir, 'notes.wav'), 'not audio at all\n'.repeat(20));
    const junk = filmscore('analyze', 'notes.wav', '--no-png');
    assert.equal(junk.status, 2);
    assert.match(junk.stderr, /not an audio or video file/);
    assert.ok(!existsSync(join(dir, 'notes.analysis.png')));
  });

  it('a video gets a "film" key and a timeline; a silent one gets only the film', () => {
    makeClip(join(dir, 'mute.mp4'), { durationS: 3, video: 'testsrc2' });
    const r = filmscore('analyze', 'mute.mp4', '--json', '-q');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.melody, undefined, 'no sound, no audio fields');
    assert.deepEqual(Object.keys(j.film.emotion), [
      'exciting',
      'fearful',
      'tense',
      'sad',
      'relaxing',
      'neutral',
    ]);
    const total = Object.values(j.film.emotion as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    assert.ok(Math.abs(total - 1) < 1e-3);
    for (const k of ['brightness', 'pace', 'valence', 'arousal', 'tension']) {
      assert.ok(j.film.affect[k] >= 0 && j.film.affect[k] <= 1, k);
    }
    assert.deepEqual(j.film.cuts, []);
    assert.equal(readFileSync(join(dir, 'mute.film.png')).subarray(1, 4).toString(), 'PNG');
    const withSound = JSON.parse(
      filmscore('analyze', 'clip.mp4', '--json', '-q', '--no-png').stdout,
    );
    assert.ok(withSound.film && withSound.melody.length > 0, 'both sound and picture');
  });

  it('--help tells the truth about the options', () => {
    const r = filmscore('analyze', '--help');
    assert.equal(r.status, 0);
    for (const flag of ['--json', '--png <path>', '--no-png', '--quiet'])
      assert.ok(r.stdout.includes(flag), flag);
  });
});
