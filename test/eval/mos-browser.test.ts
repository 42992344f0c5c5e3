import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findSamples, mosServer } from '../../src/eval/mos/server.js';
import { MosStore } from '../../src/eval/mos/store.js';
import { writeWav } from '../../src/media/wav.js';
import { note } from '../../src/synth/signals.js';
import { tempDir } from '../helpers/media.js';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';

describe('listening page in a browser', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plays each clip, takes the ratings a listener clicks, and ends', async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run scripts/setup.sh (it installs chromium)`,
    );
    for (const system of ['ours', 'baseline']) {
      mkdirSync(join(dir, 'samples', system), { recursive: true });
      for (const clip of ['a', 'b'])
        await writeWav(join(dir, 'samples', system, `${clip}.wav`), [note(64, 0.5, 16000)], 16000);
    }
    const store = new MosStore(join(dir, 'mos.sqlite'));
    store.addSamples(await findSamples(join(dir, 'samples')));
    const server = mosServer(store);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(base);
      const order: string[] = [];
      for (let k = 0; k < 4; k++) {
        // Page-side code as strings: the project compiles without the DOM's types.
        await page.waitForFunction(
          `document.getElementById('status').textContent === '${4 - k} clip(s) left'`,
        );
        const id = (await page.evaluate('current')) as string;
        assert.ok(!order.includes(id), 'each clip once');
        order.push(id);
        // The browser fetched and decoded the clip: its duration is the file's 0.5 s.
        const duration = (await page.evaluate(`new Promise((resolve) => {
          const audio = document.getElementById('clip');
          if (audio.readyState >= 1) resolve(audio.duration);
          else audio.addEventListener('loadedmetadata', () => resolve(audio.duration), { once: true });
        })`)) as number;
        assert.ok(Math.abs(duration - 0.5) < 0.01, `duration ${duration}`);
        const text = await page.textContent('body');
        assert.ok(!/ours|baseline/.test(text ?? ''), 'the page never names a system');
        const good = store.sample(id)!.system === 'ours';
        await page.check(`input[name=quality][value="${good ? 5 : 2}"]`);
        await page.check(`input[name=clarity][value="${good ? 4 : 3}"]`);
        await page.check(`input[name=latency][value="${good ? 4 : 1}"]`);
        await page.click('button[type=submit]');
      }
      await page.waitForFunction(
        `document.getElementById('status').textContent === 'Done: thank you.'`,
      );
      assert.equal(await page.isHidden('#form'), true);
      assert.deepEqual(errors, []);
      const results = store.results();
      assert.equal(results.ours.quality.mean, 5);
      assert.equal(results.ours.quality.n, 2);
      assert.equal(results.baseline.quality.mean, 2);
      assert.equal(results.baseline.latency.mean, 1);
    } finally {
      await browser.close();
      server.close();
      store.close();
    }
  });
});
