// `filmscore calibrate`: measure how a model folder follows pace and loudness, keep the
// responses in its manifest, and ask the model for what made the requested level from then on.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../../src/generator/model-folder.js';
import { conditionTargets, conditionVector } from '../../src/generator/condition.js';
import { filmscoreJson, runFilmscore } from '../helpers/cli.js';
import { tempDir } from '../helpers/media.js';

describe('filmscore calibrate', () => {
  const dir = tempDir();
  const model = join(dir, 'model');
  cpSync(DEFAULT_MODEL_DIR, model, { recursive: true });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('measures the bundled model, writes the loudness response it follows, and inverts it', async () => {
    const before = readFileSync(join(model, 'manifest.json'), 'utf8');
    /** `filmscore calibrate` on loudness alone, 3 levels × 1 seed, --json, parsed. */
    const calibrate = (...extra: string[]) =>
      filmscoreJson(
        dir,
        'calibrate',
        '--model',
        model,
        '--descriptors',
        'loudness',
        '--points',
        '3',
        '--seeds',
        '1',
        '--json',
        ...extra,
      );
    const dry = calibrate('--dry-run');
    assert.equal(dry.written, false);
    assert.equal(readFileSync(join(model, 'manifest.json'), 'utf8'), before);
    const r = calibrate();
    const loud = r.responses.loudness;
    // Asked for the corpus's quietest, middle and loudest music, it measured louder each time.
    assert.equal(loud.inputs.length, 3);
    assert.ok(loud.outputs[2] > loud.outputs[0] + 0.3, `outputs ${loud.outputs}`);
    assert.equal(loud.used, true);
    const m = await loadModelFolder(model);
    try {
      const curve = m.manifest.condition.response?.loudness;
      assert.deepEqual(curve?.inputs, loud.inputs);
      // A level whose target the model makes only when asked for more gets more.
      const target = conditionTargets({}, m.manifest, { loudness: 0.5 });
      const given = conditionVector({}, m.manifest, { loudness: 0.5 });
      const slot = m.manifest.condition.names.indexOf('loudness');
      assert.notEqual(given[slot], target[slot]);
    } finally {
      await m.dispose();
    }
  });

  it('says what was wrong with its options', () => {
    const bad = runFilmscore(dir, 'calibrate', '--model', model, '--descriptors', 'tension');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /cannot be measured back from music/);
    const points = runFilmscore(dir, 'calibrate', '--model', model, '--points', '1');
    assert.match(points.stderr, /--points must be a whole number ≥ 2/);
  });
});
