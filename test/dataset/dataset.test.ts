// Datasets: manifest validation, the drop rule, splits grouped by film, the .npy cache read by
// numpy, resume after an interruption, and rebuilding stale feature versions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildDataset, verifyClip } from '../../src/dataset/build.js';
import { CacheIndex } from '../../src/dataset/cache-index.js';
import { featureVersion } from '../../src/dataset/feature-version.js';
import { parseManifest } from '../../src/dataset/manifest.js';
import { encodeNpy, npyArray, toFloat16Bits, writeNpy } from '../../src/dataset/npy.js';
import { PAPER_RATIOS, splitByFilm } from '../../src/dataset/split.js';
import { datasetStats } from '../../src/dataset/stats.js';
import { writeWav } from '../../src/media/wav.js';
import { note } from '../../src/synth/signals.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const row = (o: Record<string, unknown>): string =>
  JSON.stringify({
    film: 'F',
    soundtrack: 'S',
    composer: 'C',
    genres: [],
    media: 'a.wav',
    start: 0,
    end: 10,
    ...o,
  });

describe('manifest', () => {
  it('reports the line number and the field of each bad row, and keeps the good ones', () => {
    const text = [
      row({}),
      '',
      '# a comment',
      row({ start: -1 }),
      row({ end: 0 }),
      row({ composer: [] }),
      row({ genres: 'drama' }),
      row({ emotion: 'happy' }),
      JSON.stringify({
        soundtrack: 'S',
        composer: 'C',
        genres: [],
        media: 'a.wav',
        start: 0,
        end: 1,
      }),
      '{"film": ',
      '[1, 2]',
      row({ composer: ['A', 'B'], emotion: 'sad', media: '/abs/x.mp4' }),
    ].join('\n');
    const { rows, problems } = parseManifest(text, '/data');
    assert.deepEqual(
      problems.map((p) => [p.line, p.field]),
      [
        [4, 'start'],
        [5, 'end'],
        [6, 'composer'],
        [7, 'genres'],
        [8, 'emotion'],
        [9, 'film'],
        [10, null],
        [11, null],
      ],
    );
    assert.match(problems[0].message, /negative/);
    assert.match(problems[5].message, /"film" is required/);
    assert.equal(rows.length, 2);
    assert.equal(rows[0].media, '/data/a.wav');
    assert.deepEqual(rows[1].composers, ['A', 'B']);
    assert.equal(rows[1].media, '/abs/x.mp4');
    assert.equal(rows[1].emotion, 'sad');
  });
});

describe('splitByFilm', () => {
  const films = new Map(Array.from({ length: 300 }, (_, i) => [`film ${i}`, 20 + ((i * 37) % 90)]));

  it('puts every film in exactly one split, near the paper ratios, deterministically', () => {
    const a = splitByFilm(films);
    const b = splitByFilm(new Map([...films].reverse()));
    assert.deepEqual([...a].sort(), [...b].sort(), 'independent of input order');
    const clips = { train: 0, val: 0, test: 0 };
    let total = 0;
    for (const [film, split] of a) {
      clips[split] += films.get(film)!;
      total += films.get(film)!;
    }
    for (const k of ['train', 'val', 'test'] as const) {
      assert.ok(Math.abs(clips[k] / total - PAPER_RATIOS[k]) < 0.01, `${k}: ${clips[k] / total}`);
    }
  });

  it('changes with the seed and honours custom ratios', () => {
    const a = splitByFilm(films, { train: 1, val: 1, test: 0 }, 'x');
    const b = splitByFilm(films, { train: 1, val: 1, test: 0 }, 'y');
    assert.ok([...a.values()].every((s) => s !== 'test'));
    assert.notDeepEqual([...a], [...b]);
  });
});

describe('.npy cache format', () => {
  it('numpy reads our float32, float16, int16 and uint8 arrays exactly', async () => {
    const dir = tempDir();
    const values = [0, 1, -2.5, 3.14159, 65504, 1e-5, -0.1];
    const files: Record<string, string> = {};
    for (const dtype of ['float32', 'float16', 'int16', 'uint8'] as const) {
      files[dtype] = join(dir, `${dtype}.npy`);
      const v = dtype === 'uint8' ? values.map(Math.abs) : values;
      await writeNpy(files[dtype], npyArray(dtype, [v.length], v));
    }
    files.matrix = join(dir, 'm.npy');
    writeFileSync(files.matrix, encodeNpy(npyArray('float16', [2, 3], [1, 2, 3, 4, 5, 6])));
    const r = reference<
      Record<string, { dtype: string; shape: number[]; values: number[] }> & { halfBits: number[] }
    >('npy_check', { files, half: values });
    assert.equal(r.float32.dtype, 'float32');
    assert.deepEqual(r.float32.values, values.map(Math.fround));
    assert.equal(r.float16.dtype, 'float16');
    assert.deepEqual(values.map(toFloat16Bits), r.halfBits, 'float16 rounding as numpy');
    assert.deepEqual(r.int16.values, [0, 1, -2, 3, 32767, 0, 0]);
    assert.deepEqual(r.uint8.values, [0, 1, 3, 3, 255, 0, 0]);
    assert.deepEqual(r.matrix.shape, [2, 3]);
    assert.deepEqual(r.matrix.values, [1, 2, 3, 4, 5, 6]);
  });
});

/** A folder with three 25 s pieces (two films share one), a 7 s piece and a manifest. */
async function corpus(): Promise<{ dir: string; manifest: string }> {
  const dir = tempDir();
  const sr = 22050;
  for (const [name, midi, seconds] of [
    ['a.wav', 60, 25],
    ['b.wav', 64, 25],
    ['c.wav', 67, 25],
    ['short.wav', 69, 7],
  ] as const) {
    await writeWav(join(dir, name), [note(midi, seconds, sr, 0.3)], sr);
  }
  const manifest = join(dir, 'm.jsonl');
  writeFileSync(
    manifest,
    [
      row({ film: 'One', media: 'a.wav', end: 25 }),
      row({ film: 'One', media: 'b.wav', end: 25, genres: ['drama'] }),
      row({ film: 'Two', media: 'c.wav', end: 25, composer: ['X', 'Y'] }),
      row({ film: 'Three', media: 'short.wav', end: 7 }),
      row({ film: 'Four', media: 'gone.wav', end: 20 }),
    ].join('\n'),
  );
  return { dir, manifest };
}

describe('dataset build', () => {
  it('cuts 10 s clips, drops short segments, keeps films whole, and caches features', async () => {
    const { dir, manifest } = await corpus();
    const out = join(dir, 'out');
    const s = await buildDataset({ manifest, out, ratios: { train: 2, val: 1, test: 0 } });
    // 25 s → 2 clips each (the last 5 s are dropped), the 7 s piece is dropped whole.
    assert.equal(s.clipsPlanned, 6);
    assert.equal(s.clipsBuilt, 6);
    assert.deepEqual(s.droppedShort, [{ line: 4, lengthS: 7 }]);
    assert.deepEqual(
      s.problems.map((p) => [p.line, p.field]),
      [[5, 'media']],
    );
    assert.match(s.problems[0].message, /missing/);
    assert.equal(s.vocalRemoval, 'off');
    const index = new CacheIndex(join(out, 'index.sqlite'));
    const clips = index.all();
    index.close();
    const splitOf = new Map<string, Set<string>>();
    for (const c of clips) splitOf.set(c.film, (splitOf.get(c.film) ?? new Set()).add(c.split));
    for (const [film, splits] of splitOf)
      assert.equal(splits.size, 1, `${film} is in ${[...splits]}`);
    assert.deepEqual(clips.map((c) => c.startS).sort(), [0, 0, 0, 10, 10, 10]);
    for (const c of clips) assert.ok(await verifyClip(out, c), `clip ${c.id} intact`);
    const stats = datasetStats(out);
    assert.equal(stats.clips, 6);
    assert.ok(Math.abs(stats.hours - 60 / 3600) < 1e-9);
    assert.deepEqual(stats.composers, { C: 4, X: 2, Y: 2 });
    assert.deepEqual(stats.genres, { drama: 2 });
    // The features are the right ones: the melody of a.wav (C4) is pitch class 0.
    const a = clips.find((c) => c.media.endsWith('a.wav') && c.startS === 0)!;
    const r = reference<Record<string, { values: number[]; shape: number[] }>>('npy_check', {
      files: Object.fromEntries(
        ['mel', 'melody', 'dynamics'].map((f) => [f, join(out, 'clips', a.id, `${f}.npy`)]),
      ),
    });
    assert.deepEqual(r.mel.shape, [1001, 64]);
    assert.equal(r.melody.values[500], 0);
    assert.equal(r.dynamics.values.length, 1001);
  });

  it('rebuilds clips of an older feature version and resumes the rest', async () => {
    const { dir, manifest } = await corpus();
    const out = join(dir, 'out');
    await buildDataset({ manifest, out });
    const db = new Database(join(out, 'index.sqlite'));
    db.prepare(
      "UPDATE clips SET feature_version = 'old' WHERE rowid IN (SELECT rowid FROM clips LIMIT 2)",
    ).run();
    db.close();
    const s = await buildDataset({ manifest, out });
    assert.equal(s.clipsStale, 2);
    assert.equal(s.clipsBuilt, 2);
    assert.equal(s.clipsResumed, 4);
    const index = new CacheIndex(join(out, 'index.sqlite'));
    assert.ok(index.all().every((c) => c.featureVersion === featureVersion(10)));
    index.close();
    assert.notEqual(
      featureVersion(10),
      featureVersion(5),
      'the clip length is part of the version',
    );
  });

  it('after being killed mid-build, leaves only complete entries and resumes', async () => {
    const { dir, manifest } = await corpus();
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [CLI, 'dataset', 'build', manifest, '-o', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Kill it as soon as the first clip is reported done.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        if (/\b[1-5]\/6 clips/.test(b.toString())) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => child.on('close', r));
    assert.ok(existsSync(join(out, 'index.sqlite')));
    const index = new CacheIndex(join(out, 'index.sqlite'));
    const partial = index.all();
    index.close();
    assert.ok(partial.length < 6, `killed after ${partial.length} clips`);
    for (const c of partial) assert.ok(await verifyClip(out, c), `entry ${c.id} is complete`);
    const s = await buildDataset({ manifest, out });
    assert.equal(s.clipsResumed, partial.length);
    assert.equal(s.clipsBuilt, 6 - partial.length);
    assert.equal(s.splits.train + s.splits.val + s.splits.test, 6);
  });

  it('caches film-encoder frames for video sources', async () => {
    const dir = tempDir();
    makeClip(join(dir, 'v.mp4'), { durationS: 10.5, video: 'testsrc2', toneHz: 440 });
    const manifest = join(dir, 'm.jsonl');
    writeFileSync(manifest, row({ media: 'v.mp4', end: 10.4 }));
    const out = join(dir, 'out');
    await buildDataset({ manifest, out });
    const index = new CacheIndex(join(out, 'index.sqlite'));
    const [clip] = index.all();
    index.close();
    assert.ok(clip.hasVideo);
    const r = reference<Record<string, { shape: number[] }>>('npy_check', {
      files: {
        semantic: join(out, 'clips', clip.id, 'frames_semantic.npy'),
        aesthetic: join(out, 'clips', clip.id, 'frames_aesthetic.npy'),
      },
    });
    assert.deepEqual(r.semantic.shape, [100, 112, 112, 3]);
    assert.deepEqual(r.aesthetic.shape, [10, 224, 224, 3]);
  });

  it('the CLI exits 2 (a usage error) when no clip can be built, naming the rows', async () => {
    const dir = tempDir();
    const manifest = join(dir, 'm.jsonl');
    writeFileSync(manifest, row({ media: 'none.wav' }));
    const r = spawn(process.execPath, [
      CLI,
      'dataset',
      'build',
      manifest,
      '-o',
      join(dir, 'out'),
      '-q',
    ]);
    let stdout = '';
    r.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const code = await new Promise((res) => r.on('close', res));
    assert.equal(code, 2);
    assert.match(stdout, /line 1 \(media\): .*none\.wav: media file is missing/);
  });
});
