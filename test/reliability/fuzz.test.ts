import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PROPERTIES } from './fuzz-properties.js';

// A fixed seed: the same inputs on every run (a failure can be replayed); bench/fuzz.ts runs
// the same properties with fresh seeds and many more runs.
const SEED = 20261202;

describe('parsers under fuzzing (fixed seed)', () => {
  for (const [name, property] of Object.entries(PROPERTIES)) {
    it(`${name}: a value or a UsageError, nothing else`, () => {
      fc.assert(property as unknown as fc.IProperty<[unknown]>, { seed: SEED, numRuns: 400 });
    });
  }
});
