import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MODEL_DIR, checkManifest } from '../../src/generator/model-folder.js';
import { UsageError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/media.js';
import { assertRefused, ffmpeg, filmscore, folderState, lavfiClip } from './fixtures.js';

/**
 * Damaged model folders (issue 14): every manifest field the runtime reads, set to what a
 * broken export or a hand edit could leave, is refused at load time with the field named;
 * values that are valid pass. Through the CLI, the refusal exits 2 and blames the model
 * folder, never an option the user did not give.
 */

type Json = Record<string, unknown>;
const base = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'manifest.json'), 'utf8')) as Json;

const MISSING = Symbol('missing');

function mutate(path: string, value: unknown, from: Json = base): Json {
  const m = structuredClone(from);
  const keys = path.split('.');
  let o = m as Json;
  for (const k of keys.slice(0, -1)) o = o[k] as Json;
  if (value === MISSING) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
  return m;
}

interface ManifestCase {
  path: string;
  value: unknown;
  ok: boolean;
}

const show = (v: unknown): string => (v === MISSING ? 'missing' : JSON.stringify(v));

const cases: ManifestCase[] = [];
const refuse = (path: string, values: unknown[]): void => {
  for (const value of values) cases.push({ path, value, ok: false });
};
const accept = (path: string, values: unknown[]): void => {
  for (const value of values) cases.push({ path, value, ok: true });
};

// Whole numbers the runtime sizes arrays and loops by.
for (const path of [
  'sampleRate',
  'mel.nFft',
  'mel.hopLength',
  'mel.nMels',
  'frames',
  'latent.channels',
  'latent.frames',
  'vocoder.nFft',
  'vocoder.hopLength',
  'defaults.steps',
]) {
  refuse(path, [
    MISSING,
    null,
    'x',
    0,
    -1,
    1.5,
    Infinity /* JSON turns it to null; the check sees Infinity from JS callers */,
  ]);
}
refuse('schedule.steps', [MISSING, null, 0, 1, 2.5, 'x']);
accept('schedule.steps', [25, 2000]);
refuse('contentFrames', [0, -1, 1.5, 2048, 'x', null]);
accept('contentFrames', [MISSING, 1, 1024]);
refuse('latent.frames', [300 /* does not divide 1024 */, 2048]);
refuse('mel.hopLength', [2048 /* above nFft */]);
refuse('defaults.steps', [1001 /* above schedule.steps */]);
refuse('sampleRate', [100, 1e7]);
// Positive reals.
for (const path of ['mel.logFloor', 'mel.std', 'latent.scale']) {
  refuse(path, [MISSING, null, 'x', 0, -1]);
  accept(path, [0.5]);
}
refuse('mel.mean', [MISSING, null, 'x']);
accept('mel.mean', [0, -1, 3.5]);
refuse('mel.fMin', [-1, 9000, null]);
refuse('mel.fMax', [0, 9000 /* above Nyquist */, null]);
accept('mel.fMax', [7000]);
refuse('mel.power', [3, 0, 'x']);
accept('mel.power', [2, MISSING]);
refuse('schedule.beta_start', [0, -0.1, 0.5 /* above beta_end */, null]);
refuse('schedule.beta_end', [1, 0.001 /* below beta_start */, null]);
refuse('defaults.guidance', [MISSING, null, -1, 31, 'x']);
accept('defaults.guidance', [0, 30]);
// Names and kinds.
refuse('format', [MISSING, 'onnx', null]);
refuse('version', [MISSING, 0, 3, '1', null]);
refuse('schedule.kind', [MISSING, 'linear', null]);
refuse('schedule.prediction', [MISSING, 'v', null]);
refuse('condition.kind', [MISSING, 'video', null]);
refuse('defaults.scheduler', [MISSING, 'euler', null, '']);
accept('defaults.scheduler', ['ddim']);
refuse('defaults.vocoder', ['wavenet', 0]);
accept('defaults.vocoder', [MISSING, 'griffin-lim']);
refuse('vocoder.kind', [MISSING, 'hifigan']);
for (const path of ['files.unet', 'files.vaeDecoder', 'files.vocoder'])
  refuse(path, [MISSING, null, '', 0]);
refuse('files.vaeEncoder', ['', 0]);
accept('files.vaeEncoder', [MISSING]);
refuse('condition.names', [MISSING, [], ['joy'], 'pace', ['pace', 'pace'], null]);
accept('condition.names', [['pace']]);
refuse('condition.quantiles', ['x', [1, 2]]);
accept('condition.quantiles', [MISSING]);
refuse('condition.quantiles.pace', [null, [], [0.5], [1, 0], ['a', 'b'], 'x']);
refuse('condition.response', ['x']);
refuse('mel', [MISSING, null, [], 'x']);
refuse('latent', [MISSING, null]);
refuse('schedule', [MISSING, null]);
refuse('condition', [MISSING, null]);
refuse('vocoder', [MISSING, null]);
refuse('files', [MISSING, null]);
refuse('defaults', [MISSING, null]);
for (const [path, values] of [
  ['files.control', [MISSING, '', 0]],
  ['control', [MISSING, null]],
  ['control.residuals', [MISSING, [], 'x', [{}], [{ name: 'r', channels: 0, frames: 256 }]]],
  ['control.controls', [MISSING, null]],
  ['control.controls.melody.channels', [MISSING, 0, 1.5]],
  ['control.controls.dynamics.std', [MISSING, 0, -1]],
  ['control.controls.dynamics.clip', [0, null]],
  ['control.controls.dynamics.mean', ['x', null]],
] as const) {
  for (const value of values) cases.push({ path, value, ok: false });
}
cases.push({ path: 'control.controls.dynamics.mean', value: -3, ok: true });

describe('a damaged manifest is refused with its field named', () => {
  it('the shipped manifests pass', () => {
    assert.doesNotThrow(() => checkManifest('models/default', base));
    // It is a version-2 manifest: the control fields below are its S-Control branch's.
    assert.equal(base.version, 2);
  });

  for (const c of cases) {
    it(`${c.path} = ${show(c.value)}: ${c.ok ? 'accepted' : 'refused'}`, () => {
      const m = mutate(c.path, c.value);
      if (c.ok) {
        assert.doesNotThrow(() => checkManifest('m', m));
        return;
      }
      assert.throws(
        () => checkManifest('m', m),
        (err: unknown) => {
          assert.ok(err instanceof UsageError, String(err));
          // The field, or the object holding it, is named.
          const named = c.path
            .split('.')
            .some((_, i, parts) => err.message.includes(`"${parts.slice(0, i + 1).join('.')}`));
          assert.ok(
            named || (c.path === 'version' && /manifest version/.test(err.message)),
            err.message,
          );
          return true;
        },
      );
    });
  }

  for (const [name, value] of [
    ['an array', []],
    ['null', null],
    ['a string', 'manifest'],
    ['a number', 7],
  ] as const) {
    it(`a manifest that is ${name} is refused`, () => {
      assert.throws(() => checkManifest('m', value), /manifest\.json is not a JSON object/);
    });
  }
});

describe('through the CLI, a damaged model folder exits 2 and is blamed', () => {
  const dir = tempDir('filmscore-models-');
  before(() => {
    ffmpeg([...lavfiClip(1), '-c:v', 'libx264', join(dir, 'in.mp4')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A model folder: the shipped ONNX files linked, the manifest as given. */
  function folder(name: string, manifest: unknown | string): string {
    const m = join(dir, name);
    mkdirSync(m);
    for (const f of readdirSync(DEFAULT_MODEL_DIR)) {
      if (f.endsWith('.onnx')) symlinkSync(join(DEFAULT_MODEL_DIR, f), join(m, f));
    }
    writeFileSync(
      join(m, 'manifest.json'),
      typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
    );
    return m;
  }

  for (const [name, manifest, field] of [
    ['frames-0', mutate('frames', 0), '"frames"'],
    ['hop-0', mutate('mel.hopLength', 0), '"mel.hopLength"'],
    ['steps-1', mutate('schedule.steps', 1), '"schedule.steps"'],
    ['rate-0', mutate('sampleRate', 0), '"sampleRate"'],
    ['names-empty', mutate('condition.names', []), '"condition.names"'],
    ['pace-null', mutate('condition.quantiles.pace', null), '"condition.quantiles.pace"'],
    ['not-json', '{"format": "filmscore-model", ', 'manifest.json'],
    ['empty-manifest', '', 'manifest.json'],
  ] as const) {
    it(`${name}: exit 2, the folder and ${field} named, no --steps blamed`, () => {
      const model = folder(name, manifest);
      const before = folderState(dir);
      const r = filmscore(dir, ['score', 'in.mp4', '-o', 'out.mkv', '--model', model, '-q']);
      assertRefused(r, field, { dir, before });
      assert.ok(r.stderr.includes(model), r.stderr);
      assert.doesNotMatch(r.stderr, /--steps/);
    });
  }

  it('a missing ONNX file is named', () => {
    const model = folder('no-unet', base);
    rmSync(join(model, String((base.files as Json).unet)));
    const r = filmscore(dir, ['score', 'in.mp4', '-o', 'out.mkv', '--model', model, '-q']);
    assertRefused(r, String((base.files as Json).unet));
  });

  it('a damaged ONNX file is named', () => {
    const model = folder('bad-onnx', base);
    const unet = join(model, String((base.files as Json).unet));
    rmSync(unet);
    writeFileSync(unet, 'not a network');
    const r = filmscore(dir, ['score', 'in.mp4', '-o', 'out.mkv', '--model', model, '-q']);
    assertRefused(r, String((base.files as Json).unet));
  });

  it('a model folder that is a file is refused', () => {
    writeFileSync(join(dir, 'afile'), 'x');
    const r = filmscore(dir, ['score', 'in.mp4', '-o', 'out.mkv', '--model', 'afile', '-q']);
    assertRefused(r, 'afile');
  });
});
