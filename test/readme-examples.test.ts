// The README's library examples, run as they stand: each ```js block of its "Library" section
// is written to a file and run by node, importing 'filmscore' (the package itself), in a
// folder holding the media the examples name.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeClip, probeField } from './helpers/media.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function libraryExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'), readme.indexOf('\n## Layout\n'));
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('README library examples', () => {
  // Inside the package, so that `import … from 'filmscore'` resolves to it.
  const dir = join(ROOT, '.cache', `readme-examples-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(ROOT, 'models'), join(dir, 'models'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  makeClip(join(dir, 'clip.mp4'), { durationS: 12.5, video: 'testsrc2', toneHz: 440 });
  makeClip(join(dir, 'cue.wav'), { durationS: 10.24, toneHz: 330 });
  makeClip(join(dir, 'theme.wav'), { durationS: 6, toneHz: 523 });
  const examples = libraryExamples();

  it('the Library section has its examples', () => {
    assert.ok(examples.length >= 5, `${examples.length} examples`);
    for (const e of examples) assert.match(e, /from 'filmscore'/);
  });

  for (const [i, code] of examples.entries()) {
    const first = code.split('\n').find((l) => l.startsWith('import')) ?? '';
    it(`example ${i + 1} runs: ${first.slice(0, 70)}`, () => {
      const file = join(dir, `example-${i + 1}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.trim().length > 0, 'it prints what it made');
      if (code.includes("'scored.mp4'")) {
        const d = Number(probeField(join(dir, 'scored.mp4'), 'v:0', 'duration'));
        const a = Number(probeField(join(dir, 'scored.mp4'), 'a:0', 'duration'));
        assert.ok(
          Math.abs(d - 12.5) < 0.05 && Math.abs(a - d) < 0.07,
          `picture ${d} s, score ${a} s`,
        );
        assert.match(r.stdout, /window 2\/2/);
      }
      if (code.includes("'piece.wav'")) assert.ok(existsSync(join(dir, 'piece.wav')));
    });
  }
});
