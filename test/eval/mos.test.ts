import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meanOpinionScore, studentTQuantile } from '../../src/eval/mos/stats.js';
import { findSamples, mosServer } from '../../src/eval/mos/server.js';
import { MosStore } from '../../src/eval/mos/store.js';
import { writeWav } from '../../src/media/wav.js';
import { note } from '../../src/synth/signals.js';
import { reference } from '../helpers/reference.js';
import { tempDir } from '../helpers/media.js';

describe('MOS statistics', () => {
  it("Student's t quantiles and the 95 % interval match scipy", () => {
    const cases: [number, number][] = [
      [0.975, 1],
      [0.975, 4],
      [0.975, 29],
      [0.95, 10],
      [0.025, 7],
    ];
    const ratings = [4, 5, 3, 4, 4, 2, 5, 3, 4, 4, 5, 1];
    const ref = reference<{ ppf: number[]; ci95: number }>('t_interval', { ppf: cases, ratings });
    cases.forEach(([p, nu], i) =>
      assert.ok(Math.abs(studentTQuantile(p, nu) - ref.ppf[i]) < 1e-9, `t(${p}, ${nu})`),
    );
    const m = meanOpinionScore(ratings);
    assert.equal(m.n, 12);
    assert.ok(Math.abs(m.mean - 44 / 12) < 1e-12);
    assert.ok(Math.abs(m.ci95 - ref.ci95) < 1e-9, `${m.ci95} vs ${ref.ci95}`);
    assert.ok(Number.isNaN(meanOpinionScore([3]).ci95));
  });
});

describe('listening test server', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves each clip once per listener, blind, stores ratings, reports MOS and CSV', async () => {
    for (const system of ['ours', 'baseline']) {
      mkdirSync(join(dir, 'samples', system), { recursive: true });
      for (const clip of ['a', 'b', 'c'])
        await writeWav(join(dir, 'samples', system, `${clip}.wav`), [note(60, 0.2, 16000)], 16000);
    }
    const store = new MosStore(join(dir, 'mos.sqlite'));
    store.addSamples(await findSamples(join(dir, 'samples')));
    store.addSamples(await findSamples(join(dir, 'samples'))); // idempotent
    const server = mosServer(store);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.match(await (await fetch(base + '/')).text(), /Listening test/);
      const seen = new Set<string>();
      // Listener 1 rates "ours" 4/5/4 and "baseline" 2/3/2 on every clip.
      for (let k = 0; k < 6; k++) {
        const next = (await (await fetch(`${base}/api/next?session=s1`)).json()) as {
          sample: string;
          audio: string;
          remaining: number;
        };
        assert.equal(next.remaining, 6 - k);
        assert.ok(
          !JSON.stringify(next).includes('ours') && !JSON.stringify(next).includes('baseline'),
        );
        assert.ok(!seen.has(next.sample), 'never the same clip twice');
        seen.add(next.sample);
        const audio = await fetch(base + next.audio);
        assert.equal(audio.headers.get('content-type'), 'audio/wav');
        assert.ok((await audio.arrayBuffer()).byteLength > 1000);
        const system = store.sample(next.sample)!.system;
        const good = system === 'ours';
        const rate = await fetch(base + '/api/rate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            session: 's1',
            sample: next.sample,
            quality: good ? 4 : 2,
            clarity: good ? 5 : 3,
            latency: good ? 4 : 2,
          }),
        });
        assert.equal(rate.status, 204);
      }
      const done = (await (await fetch(`${base}/api/next?session=s1`)).json()) as { sample: null };
      assert.equal(done.sample, null);
      const bad = await fetch(base + '/api/rate', {
        method: 'POST',
        body: JSON.stringify({
          session: 's2',
          sample: [...seen][0],
          quality: 6,
          clarity: 3,
          latency: 3,
        }),
      });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /quality must be a whole number from 1 to 5/);
      const results = (await (await fetch(base + '/api/results')).json()) as Record<
        string,
        Record<string, { n: number; mean: number; ci95: number }>
      >;
      assert.deepEqual(Object.keys(results), ['baseline', 'ours']);
      assert.equal(results.ours.quality.mean, 4);
      assert.equal(results.ours.clarity.mean, 5);
      assert.equal(results.baseline.latency.mean, 2);
      assert.equal(results.ours.quality.n, 3);
      assert.equal(results.ours.quality.ci95, 0, 'identical ratings: no spread');
      const csv = (await (await fetch(base + '/results.csv')).text()).trim().split('\n');
      assert.equal(csv.length, 7);
      assert.equal(csv[0], 'session,system,file,quality,clarity,latency,at');
    } finally {
      server.close();
      store.close();
    }
  });
});
