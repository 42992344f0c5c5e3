// The Debian soundtrack corpus: copyright parsing, mood tags, and a real package end to end.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildDataset } from '../../src/dataset/build.js';
import { parseCopyright, stanzaFor } from '../../src/dataset/corpus/debian-copyright.js';
import { prepareDebianCorpus } from '../../src/dataset/corpus/debian.js';
import { moodsFromName } from '../../src/dataset/corpus/moods.js';
import { tempDir } from '../helpers/media.js';

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Example Game

Files: *
Copyright: 2001-2010, Example Team
License: GPL-2+

Files:
 base/music/alpha*.ogg
 base/music/beta.ogg
Copyright:
 Jane Composer (www.example.org)
 2009 John Arranger <john@example.org>
 Jane Composer
License: CC-BY-SA-3.0

Files: base/music/beta.ogg
Copyright: Sam Solo sam@example.org
License: public-domain
`;

describe('Debian copyright files', () => {
  const info = parseCopyright(DEP5);

  it('parses DEP-5 stanzas; the last matching stanza governs a file', () => {
    assert.ok(info.machineReadable);
    assert.equal(info.stanzas.length, 3);
    const alpha = stanzaFor(info, 'base/music/alpha2.ogg')!;
    assert.deepEqual(alpha.holders, ['Jane Composer', 'John Arranger']);
    assert.equal(alpha.license, 'CC-BY-SA-3.0');
    const beta = stanzaFor(info, 'base/music/beta.ogg')!;
    assert.deepEqual(beta.holders, ['Sam Solo']);
    assert.equal(beta.license, 'public-domain');
    assert.equal(stanzaFor(info, 'src/main.c')!.license, 'GPL-2+');
  });

  it('reads the free-text format: holders and a GPL version', () => {
    const free = parseCopyright(
      'Upstream Author: A\n\nCopyright (C) 2003 - 2009 by Ada Lovelace <ada@example.org>\n' +
        'Copyright (C) 2005 Alan Turing\n\nLicense:\n  under the terms of the GNU General Public License version 2\n  or at your option any later version.\n',
    );
    assert.equal(free.machineReadable, false);
    assert.deepEqual(free.stanzas[0].holders, ['Ada Lovelace', 'Alan Turing']);
    assert.equal(free.stanzas[0].license, 'GPL-2+');
  });

  it('tags moods from track names', () => {
    assert.deepEqual(moodsFromName('Crystan-Battlescape01.ogg'), ['battle']);
    assert.deepEqual(moodsFromName('silvan_sanctuary.ogg'), ['calm']);
    assert.deepEqual(moodsFromName('Crystan-IntroSad.ogg'), ['sad', 'theme']);
    assert.deepEqual(moodsFromName('track17.opus'), []);
  });
});

describe('filmscore corpus debian (nexuiz-music, from the Debian archive)', () => {
  it('fetches, unpacks the .pk3, writes a manifest with credits and licences, and builds', async () => {
    // The download is kept in .cache so reruns do not fetch it again.
    const out = '.cache/test-corpus';
    const { manifest, tracks } = await prepareDebianCorpus({ out, packages: ['nexuiz-music'] });
    assert.equal(tracks.length, 18, 'nexuiz-music has 18 tracks');
    const minutes = tracks.reduce((s, t) => s + t.end - t.start, 0) / 60;
    assert.ok(Math.abs(minutes - 84) < 3, `${minutes} min`);
    for (const t of tracks) {
      assert.equal(t.soundtrack, 'Nexuiz');
      assert.equal(t.license, 'GPL-2+', 'from the package copyright file');
      assert.ok(t.genres.includes('electronic'));
      assert.ok(t.composers.length > 0);
    }
    const lines = readFileSync(manifest, 'utf8').trim().split('\n');
    assert.equal(lines.length, 18);
    // Build three tracks' worth, to show the manifest drives the builder.
    const dir = tempDir();
    const small = join(dir, 'm.jsonl');
    writeFileSync(
      small,
      lines
        .slice(0, 3)
        .map((l) => {
          const o = JSON.parse(l) as { media: string };
          return JSON.stringify({ ...o, media: join(process.cwd(), out, o.media) });
        })
        .join('\n'),
    );
    const s = await buildDataset({ manifest: small, out: join(dir, 'ds') });
    const expected = tracks.slice(0, 3).reduce((n, t) => n + Math.floor((t.end - t.start) / 10), 0);
    assert.equal(s.clipsBuilt, expected);
    assert.deepEqual(s.problems, []);
  });
});
