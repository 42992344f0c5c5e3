import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  embeddingVariance,
  oneShotClass,
  originalityAndRecognizability,
} from '../../src/eval/originality.js';
import { writeWav } from '../../src/media/wav.js';
import { GaussianNoise } from '../../src/sampler/noise.js';
import { note } from '../../src/synth/signals.js';
import { filmscoreJson, runFilmscore } from '../helpers/cli.js';
import { tempDir } from '../helpers/media.js';

const SR = 16000;

describe('originality and recognizability', () => {
  it('are the within-class variance and the one-shot accuracy, worked by hand', () => {
    // Centroid (1, 1): squared distances 2, 2, 2, 2 → 8 / (4 − 1).
    assert.equal(
      embeddingVariance([
        [0, 0],
        [2, 0],
        [0, 2],
        [2, 2],
      ]),
      8 / 3,
    );
    assert.equal(embeddingVariance([[5, 5]]), 0);
    const shots = new Map([
      ['east', [1, 0]],
      ['north', [0, 1]],
    ]);
    assert.equal(oneShotClass([3, 1], shots), 'east');
    assert.equal(oneShotClass([0.2, 0.1], shots), 'east'); // cosine ignores length
    assert.equal(oneShotClass([1, 4], shots), 'north');
    const p = originalityAndRecognizability(
      'sys',
      new Map([
        [
          'east',
          [
            [2, 0],
            [4, 0],
            [1, 3],
          ],
        ], // 2 of 3 nearer east; centroid (7/3, 1)
        [
          'north',
          [
            [0, 1],
            [0, 3],
          ],
        ], // both north; centroid (0, 2)
      ]),
      shots,
    );
    const eastVar = ((2 - 7 / 3) ** 2 + 1 + (4 - 7 / 3) ** 2 + 1 + (1 - 7 / 3) ** 2 + 4) / 2;
    assert.ok(Math.abs(p.classes[0].originality - eastVar) < 1e-12);
    assert.equal(p.classes[1].originality, 2); // (1 + 1) / (2 − 1)
    assert.ok(Math.abs(p.classes[0].recognizability - 2 / 3) < 1e-12);
    assert.equal(p.classes[1].recognizability, 1);
    assert.ok(Math.abs(p.recognizability - (2 / 3 + 1) / 2) < 1e-12);
    assert.ok(Math.abs(p.originality - (eastVar + 2) / 2) < 1e-12);
  });

  it('`filmscore originality` tells a faithful system from a noisy one and draws Figure 2', async () => {
    const dir = tempDir();
    const g = new GaussianNoise(11);
    const tone = (midi: number, gain: number): Float32Array => {
      const x = note(midi, 3, SR, gain);
      return x.map((v) => v + 0.002 * g.normal());
    };
    mkdirSync(join(dir, 'shots'));
    await writeWav(join(dir, 'shots', 'low.wav'), [tone(45, 0.3)], SR);
    await writeWav(join(dir, 'shots', 'high.wav'), [tone(93, 0.3)], SR);
    for (const [system, make] of [
      ['faithful', (midi: number, k: number) => tone(midi, 0.2 + 0.05 * k)],
      ['noisy', (_: number, k: number) => g.fill(3 * SR).map((v) => v * 0.05 * (k + 1))],
    ] as const) {
      for (const [cls, midi] of [
        ['low', 45],
        ['high', 93],
        ['orphan', 60],
      ] as const) {
        mkdirSync(join(dir, system, cls), { recursive: true });
        for (let k = 0; k < 3; k++)
          await writeWav(join(dir, system, cls, `${k}.wav`), [make(midi, k)], SR);
      }
    }
    const j = filmscoreJson(
      dir,
      ...[
        'originality',
        '--system',
        'faithful=faithful',
        '--system',
        'noisy=noisy',
        '--shots',
        'shots',
      ],
      ...['--audio-model', 'mfcc-stats', '--figure', 'fig.png', '--json', '-q'],
    );
    const [faithful, noisy] = j.systems;
    assert.equal(faithful.system, 'faithful');
    assert.equal(faithful.recognizability, 1);
    assert.deepEqual(j.unmatched, { faithful: ['orphan'], noisy: ['orphan'] });
    assert.ok(noisy.recognizability <= 0.5, `noise recognised ${noisy.recognizability}`);
    assert.ok(noisy.originality > faithful.originality);
    const png = readFileSync(join(dir, 'fig.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 760);
    const bad = runFilmscore(dir, 'originality', '--system', 'x', '--shots', 'shots');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--system x: write NAME=DIR/);
  });
});
