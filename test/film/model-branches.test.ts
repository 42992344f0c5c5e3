// The film encoder's ONNX plug-ins through `filmscore analyze`: stand-in semantic, aesthetic
// and emotion models replace the offline estimates and their outputs reach the JSON.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeClip, tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = tempDir();
const models = {
  semantic: join(dir, 'semantic.onnx'),
  aesthetic: join(dir, 'aesthetic.onnx'),
  emotion: join(dir, 'emotion.onnx'),
};
reference('export_image_encoder', { path: models.semantic });
reference('export_film_models', { aesthetic: models.aesthetic, emotion: models.emotion });

function analyze(file: string, withModels: boolean): Record<string, Record<string, unknown>> {
  const args = [CLI, 'analyze', file, '--json', '-q', '--no-png'];
  if (withModels) {
    args.push('--semantic-model', models.semantic, '--aesthetic-model', models.aesthetic);
    args.push('--emotion-model', models.emotion);
  }
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('film encoder ONNX plug-ins', () => {
  it('replace the offline branches, and follow the picture', () => {
    const dark = makeClip(join(dir, 'dark.mp4'), { durationS: 2, video: 'color=c=0x101010' });
    const bright = makeClip(join(dir, 'bright.mp4'), { durationS: 2, video: 'color=c=0xf0f0f0' });
    const d = analyze(dark, true).film;
    const b = analyze(bright, true).film;
    const plain = analyze(dark, false).film;
    const semantic = d.semantic as { source: string; dims: number };
    assert.match(semantic.source, /^onnx:.*semantic\.onnx$/);
    assert.equal(semantic.dims, 16);
    assert.equal((plain.semantic as { source: string }).source, 'scene-statistics');
    const emotion = (f: Record<string, unknown>) => f.emotion as Record<string, number>;
    assert.ok(emotion(d).sad > 0.9, `dark → sad ${JSON.stringify(emotion(d))}`);
    assert.ok(emotion(b).exciting > 0.9, `bright → exciting ${JSON.stringify(emotion(b))}`);
    const aesthetic = (f: Record<string, unknown>) => f.aesthetic as Record<string, number>;
    // The stand-in's seven outputs are sigmoids of linear maps of the mean colour: on a grey
    // frame m·w is the same for every channel, so outputs rise with brightness where the
    // weights sum positive (the last attributes) and fall where they sum negative.
    assert.ok(aesthetic(b).overall > aesthetic(d).overall);
    assert.ok(aesthetic(b).light < aesthetic(d).light);
    assert.notDeepEqual(aesthetic(d), aesthetic(plain));
  });

  it('a wrong model for a branch stops with a message naming the branch and shapes', () => {
    const clip = makeClip(join(dir, 'c.mp4'), { durationS: 1, video: 'testsrc2' });
    const r = spawnSync(
      process.execPath,
      [CLI, 'analyze', clip, '--no-png', '--emotion-model', models.semantic],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /emotion model.*given float32 \[1, \d+, 3, 112, 112\].*expects pixels: float32 \[frames, 3, 224, 224\]/s,
    );
  });
});
