import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseMood } from '../../src/generator/condition.js';
import { DEFAULT_MODEL_DIR, checkManifest } from '../../src/generator/model-folder.js';
import { encodeWav, parseWav } from '../../src/media/wav.js';
import { UsageError } from '../../src/util/errors.js';
import { AFFECT_NAMES } from '../../src/conditions/affect.js';

/**
 * The parsers users' files and words reach, as fast-check properties (issue 14): the WAV
 * reader, the manifest check and --mood. Each either gives a well-formed value or refuses with
 * a UsageError; none throws anything else. test/reliability/fuzz.test.ts runs them in CI with
 * a fixed seed; bench/fuzz.ts runs them longer with fresh seeds.
 */

/** A WAV chunk list: real headers with random fields, random chunk sizes, cut anywhere. */
const wavBytes = fc
  .record({
    format: fc.constantFrom(1, 3, 0xfffe, 0, 2, 65535),
    channels: fc.integer({ min: 0, max: 70000 }),
    rate: fc.oneof(fc.constantFrom(0, 1, 8000, 44100, 48000, 2 ** 32 - 1), fc.nat()),
    bits: fc.constantFrom(0, 8, 16, 24, 32, 64, 7),
    dataSize: fc.oneof(fc.nat({ max: 4096 }), fc.constant(2 ** 32 - 1)),
    payload: fc.uint8Array({ maxLength: 4096 }),
    cut: fc.nat({ max: 5000 }),
    junkFirst: fc.boolean(),
  })
  .map((f) => {
    const fmt = Buffer.alloc(8 + 16);
    fmt.write('fmt ', 0);
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(f.format, 8);
    fmt.writeUInt16LE(f.channels & 0xffff, 10);
    fmt.writeUInt32LE(f.rate >>> 0, 12);
    fmt.writeUInt32LE(0, 16);
    fmt.writeUInt16LE(0, 20);
    fmt.writeUInt16LE(f.bits, 22);
    const data = Buffer.alloc(8);
    data.write('data', 0);
    data.writeUInt32LE(f.dataSize >>> 0, 4);
    const junk = Buffer.from('junk\x03\x00\x00\x00abc\x00');
    const body = Buffer.concat([
      Buffer.from('WAVE'),
      ...(f.junkFirst ? [junk] : []),
      fmt,
      data,
      Buffer.from(f.payload),
    ]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0);
    riff.writeUInt32LE(body.length, 4);
    const whole = Buffer.concat([riff, body]);
    return whole.subarray(0, Math.min(whole.length, 12 + f.cut));
  });

export const wavProperty = fc.property(
  fc.oneof(
    wavBytes,
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  ),
  (buf) => {
    const wav = parseWav(buf);
    if (wav === null) return;
    assert.ok(wav.sampleRate > 0);
    assert.ok(wav.channels.length > 0);
    const frames = wav.channels[0].length;
    for (const c of wav.channels) assert.equal(c.length, frames);
    // Never more samples than bytes could hold.
    assert.ok(frames * wav.channels.length * 2 <= buf.length);
  },
);

/** Round trip: what encodeWav writes, parseWav reads back (to 16-bit precision). */
export const wavRoundTripProperty = fc.property(
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 1, max: 192000 }),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  (nch, frames, rate, seed) => {
    let s = seed || 1;
    const channels = Array.from({ length: nch }, () =>
      Float32Array.from({ length: frames }, () => {
        s = (s * 16807) % 2147483647;
        return (s / 2147483647) * 2 - 1;
      }),
    );
    const back = parseWav(encodeWav(channels, rate));
    assert.ok(back);
    assert.equal(back.sampleRate, rate);
    assert.equal(back.channels.length, nch);
    for (let c = 0; c < nch; c++) {
      assert.equal(back.channels[c].length, frames);
      for (let i = 0; i < frames; i++)
        assert.ok(Math.abs(back.channels[c][i] - channels[c][i]) <= 1 / 32767 + 1e-6);
    }
  },
);

const baseManifest = JSON.parse(
  readFileSync(join(DEFAULT_MODEL_DIR, 'manifest.json'), 'utf8'),
) as Record<string, unknown>;

/** Every path to a leaf or object in the shipped manifest. */
function paths(o: unknown, prefix: string[] = []): string[][] {
  if (typeof o !== 'object' || o === null) return [prefix];
  return [
    prefix,
    ...Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => paths(v, [...prefix, k])),
  ];
}
const MANIFEST_PATHS = paths(baseManifest).filter((p) => p.length > 0);

/** The shipped manifest with a few fields set to anything JSON can hold, or deleted. */
const mutatedManifest = fc
  .array(
    fc.record({
      path: fc.constantFrom(...MANIFEST_PATHS),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constant(undefined),
        fc.double(),
        fc.integer(),
      ),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    const m = structuredClone(baseManifest);
    for (const { path, value } of edits) {
      let o = m as Record<string, unknown>;
      for (const k of path.slice(0, -1)) {
        if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
        o = o[k] as Record<string, unknown>;
      }
      if (value === undefined) delete o[path.at(-1)!];
      else o[path.at(-1)!] = value;
    }
    return m;
  });

export const manifestProperty = fc.property(
  fc.oneof(mutatedManifest, fc.jsonValue({ maxDepth: 3 })),
  (m) => {
    let ok;
    try {
      ok = checkManifest('m', m);
    } catch (err) {
      assert.ok(err instanceof UsageError, `not a UsageError: ${String(err)}`);
      return;
    }
    // Accepted: what the runtime sizes by is sane.
    assert.ok(Number.isInteger(ok.frames) && ok.frames > 0);
    assert.ok(Number.isInteger(ok.mel.hopLength) && ok.mel.hopLength > 0);
    assert.ok(ok.sampleRate >= 1000);
    assert.ok(ok.condition.names.length > 0);
    assert.ok(ok.defaults.steps >= 1 && ok.defaults.steps <= ok.schedule.steps);
  },
);

const moodText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...AFFECT_NAMES), fc.string({ maxLength: 8 })),
        fc.oneof(fc.double().map(String), fc.string({ maxLength: 6 })),
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.map(([k, v]) => `${k}=${v}`).join(',')),
);

export const moodProperty = fc.property(moodText, (text) => {
  let levels;
  try {
    levels = parseMood(text, AFFECT_NAMES);
  } catch (err) {
    assert.ok(err instanceof UsageError, `not a UsageError: ${String(err)}`);
    return;
  }
  for (const [name, v] of Object.entries(levels)) {
    assert.ok((AFFECT_NAMES as readonly string[]).includes(name));
    assert.ok(v! >= 0 && v! <= 1, `${name}=${v}`);
  }
});

export const PROPERTIES = {
  'WAV reader': wavProperty,
  'WAV round trip': wavRoundTripProperty,
  'manifest check': manifestProperty,
  '--mood': moodProperty,
} as const;
