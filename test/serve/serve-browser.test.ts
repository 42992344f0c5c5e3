import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/media.js';
import { startApp, type RunningApp } from './app-fixture.js';
import { ffmpeg, lavfiClip } from '../reliability/fixtures.js';

/**
 * The web app as a user drives it (issue 15): drop a clip on the page, set a mood slider,
 * score it, watch it play (its duration checked), see the film's timeline and the score's
 * figure, score again, and find the first take beside the second. FILMSCORE_SCREENSHOT=<png>
 * keeps a screenshot (the README's).
 */
describe('filmscore serve in a browser', () => {
  const dir = tempDir('filmscore-page-');
  const clip = join(dir, 'sunrise.mp4');
  let app: RunningApp;

  before(async () => {
    ffmpeg([...lavfiClip(2.5, { size: '320x180' }), '-c:v', 'libx264', '-c:a', 'aac', clip]);
    app = await startApp(dir, 2 ** 26);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upload, a slider, score, play, the timeline, score again (A/B)', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup.sh`);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${app.base}/`);
      // Dropped on the page, as a user drags a file from their desktop.
      const bytes = readFileSync(clip).toString('base64');
      await page.evaluate(`(() => {
        const data = Uint8Array.from(atob('${bytes}'), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], 'sunrise.mp4', { type: 'video/mp4' }));
        document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      })()`);
      assert.match((await page.textContent('#chosen')) ?? '', /sunrise\.mp4 \(0\.\d MiB\)/);
      // Set pace: tick it, move the slider to 0.8 (page-side code as strings: no DOM types here).
      await page.check('[data-use="pace"]');
      await page.evaluate(
        `(() => { const s = document.getElementById('m-pace'); s.value = '0.8'; s.dispatchEvent(new Event('input')); })()`,
      );
      assert.equal(await page.textContent('#o-pace'), '0.8');
      await page.fill('#steps', '2');
      // WebM: VP9 and Opus play in any Chromium build.
      await page.selectOption('#container', 'webm');
      await page.click('#go');
      await page.waitForFunction(`document.getElementById('now').readyState >= 1`, undefined, {
        timeout: 120_000,
      });
      const duration = (await page.evaluate(`document.getElementById('now').duration`)) as number;
      assert.ok(Math.abs(duration - 2.5) < 0.05, `the scored video plays ${duration} s`);
      const jobs = app.store.list();
      assert.equal(jobs.length, 1);
      assert.deepEqual(jobs[0].options.mood, { pace: 0.8 });
      assert.equal(jobs[0].options.container, 'webm');
      // The film's reading moved the unticked sliders to the film's levels; the figure loaded.
      await page.waitForFunction(
        `document.getElementById('o-tension').textContent.startsWith('film ')`,
      );
      await page.waitForFunction(`document.getElementById('figure').naturalWidth > 0`);
      // Score again with another seed: the first take moves to "previous".
      await page.fill('#seed', '7');
      await page.click('#again');
      await page.waitForFunction(
        `document.getElementById('before').src.includes('${jobs[0].id}') && document.getElementById('now').readyState >= 1`,
        undefined,
        { timeout: 120_000 },
      );
      assert.equal(app.store.list().length, 2);
      await page.waitForFunction(
        `/^2 job\\(s\\), [0-9.]+ MiB on disk/.test(document.getElementById('disk').textContent)`,
      );
      assert.equal(app.store.list()[0].options.seed, 7);
      if (process.env.FILMSCORE_SCREENSHOT)
        await page.screenshot({ path: process.env.FILMSCORE_SCREENSHOT, fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
