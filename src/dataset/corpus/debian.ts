import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { probe } from '../../media/probe.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { UsageError } from '../../util/errors.js';
import { manifestLine, type ManifestRow } from '../manifest.js';
import { parseCopyright, stanzaFor, type CopyrightInfo } from './debian-copyright.js';
import { moodsFromName } from './moods.js';

const run = promisify(execFile);

/** A cinematic game soundtrack packaged by Debian (DESIGN.md lists them). */
export interface SoundtrackPackage {
  package: string;
  /** The soundtrack's title in the manifest. */
  soundtrack: string;
  /** Genres of the whole soundtrack; track-name moods are added per track. */
  genres: string[];
  /** Where the music sits inside the unpacked package (a folder, or a .pk3 zip). */
  music: { folder: string } | { pk3: string; inside: string };
  /** How a track's path reads in the package's copyright file (DEP-5 "Files:"). */
  copyrightPath: (file: string) => string;
  /** Who to credit when the copyright file names nobody for the music. */
  fallbackComposer: string;
}

export const DEBIAN_SOUNDTRACKS: readonly SoundtrackPackage[] = [
  {
    package: 'wesnoth-1.16-music',
    soundtrack: 'Battle for Wesnoth',
    genres: ['orchestral', 'fantasy'],
    music: { folder: 'usr/share/games/wesnoth/1.16/data/core/music' },
    copyrightPath: (f) => `data/core/music/${f}`,
    fallbackComposer: 'Battle for Wesnoth contributors',
  },
  {
    package: 'ufoai-music',
    soundtrack: 'UFO: Alien Invasion',
    genres: ['cinematic', 'sci-fi'],
    music: { pk3: 'usr/share/games/ufoai/base/0music.pk3', inside: 'music' },
    copyrightPath: (f) => `base/music/${f}`,
    fallbackComposer: 'The UFO:AI Team',
  },
  {
    package: 'warzone2100-music',
    soundtrack: 'Warzone 2100',
    genres: ['electronic', 'orchestral', 'war'],
    music: { folder: 'usr/share/games/warzone2100/music' },
    copyrightPath: (f) => `data/music/${f}`,
    fallbackComposer: 'Warzone 2100 Project',
  },
  {
    package: 'nexuiz-music',
    soundtrack: 'Nexuiz',
    genres: ['electronic', 'rock'],
    music: { pk3: 'usr/share/games/nexuiz/data/music.pk3', inside: 'sound/cdtracks' },
    copyrightPath: (f) => `data/sound/cdtracks/${f}`,
    fallbackComposer: 'Alientrap (Nexuiz team)',
  },
];

/** One track of the corpus, as the manifest will describe it. */
export interface CorpusTrack extends Omit<ManifestRow, 'line'> {
  license: string;
  /** Where the composer names came from: the copyright file, album metadata, or a fallback. */
  creditSource: 'copyright' | 'album metadata' | 'package';
}

async function apt(args: string[], cwd: string): Promise<void> {
  await run('apt-get', args, { cwd, maxBuffer: 1 << 24 });
}

/** `apt-get download` (refreshing the package index once if it is missing or stale). */
async function download(pkg: string, debs: string): Promise<string> {
  const have = (await readdir(debs)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (have) return join(debs, have);
  try {
    await apt(['download', pkg], debs);
  } catch {
    try {
      await apt(['update', '-qq'], debs);
      await apt(['download', pkg], debs);
    } catch (err) {
      throw new UsageError(
        `apt-get download ${pkg} failed (${(err as Error).message.split('\n')[0]}). Is Debian's archive reachable?`,
      );
    }
  }
  const got = (await readdir(debs)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!got) throw new UsageError(`apt-get download ${pkg} produced no .deb`);
  return join(debs, got);
}

/** Unpack a .deb (and its .pk3 zip, if any) once; a marker file says it is complete. */
async function unpack(spec: SoundtrackPackage, deb: string, root: string): Promise<string> {
  const dir = join(root, spec.package);
  if (existsSync(join(dir, '.unpacked'))) return dir;
  const tmp = `${dir}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run('dpkg-deb', ['-x', deb, tmp]);
  if ('pk3' in spec.music) {
    // .pk3 files are zip archives; Python's zipfile (in every Debian python3) unpacks them.
    await run('python3', ['-m', 'zipfile', '-e', join(tmp, spec.music.pk3), join(tmp, 'pk3')]);
  }
  await writeFile(join(tmp, '.unpacked'), new Date().toISOString());
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return dir;
}

interface AlbumTrack {
  filename: string;
  title?: string;
  author?: string;
}

/** Licence names an album's license.txt grants ("CC-BY-SA-3.0", "GPL-2+"), joined by "or". */
function albumLicence(text: string): string | undefined {
  const found: string[] = [];
  const cc = /CC[- ]BY(?:[- ](?:SA|NC|ND))*[- ]\d\.\d/i.exec(text);
  if (cc) found.push(cc[0].toUpperCase().replace(/ /g, '-'));
  if (/GNU General Public License,? Version 2 or later/i.test(text)) found.push('GPL-2+');
  return found.length ? found.join(' or ') : undefined;
}

interface AlbumEntry {
  album: string;
  track: AlbumTrack;
  licence?: string;
}

/** Warzone 2100 ships album.json files with each track's title and author (and a licence). */
async function albumMetadata(folder: string): Promise<Map<string, AlbumEntry>> {
  const out = new Map<string, AlbumEntry>();
  const albums = join(folder, 'albums');
  if (!existsSync(albums)) return out;
  for (const a of await readdir(albums)) {
    const file = join(albums, a, 'album.json');
    if (!existsSync(file)) continue;
    const album = JSON.parse(await readFile(file, 'utf8')) as {
      title?: string;
      tracks?: AlbumTrack[];
    };
    const licenceFile = join(albums, a, 'license.txt');
    const licence = existsSync(licenceFile)
      ? albumLicence(await readFile(licenceFile, 'utf8'))
      : undefined;
    for (const t of album.tracks ?? []) {
      out.set(join(albums, a, t.filename), { album: album.title ?? a, track: t, licence });
    }
  }
  return out;
}

async function listAudio(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(folder, { withFileTypes: true })) {
    const p = join(folder, e.name);
    if (e.isDirectory()) out.push(...(await listAudio(p)));
    else if (/\.(ogg|opus|flac|wav|mp3)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** "Crystan-Battlescape01.ogg" → "Crystan Battlescape01": numbers kept, so tracks stay apart. */
function titleFromFile(file: string): string {
  return basename(file)
    .replace(/\.[a-z0-9]+$/i, '')
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** Describe one unpacked soundtrack package as corpus tracks. */
export async function describeSoundtrack(
  spec: SoundtrackPackage,
  dir: string,
): Promise<CorpusTrack[]> {
  const copyrightFile = join(dir, 'usr/share/doc', spec.package, 'copyright');
  const copyright: CopyrightInfo = parseCopyright(
    existsSync(copyrightFile) ? await readFile(copyrightFile, 'utf8') : '',
  );
  const folder =
    'pk3' in spec.music ? join(dir, 'pk3', spec.music.inside) : join(dir, spec.music.folder);
  const albums = await albumMetadata(folder);
  const tracks: CorpusTrack[] = [];
  for (const file of await listAudio(folder)) {
    const info = await probe(file);
    if (!info.audio) continue;
    const rel = relative(folder, file);
    const stanza = stanzaFor(copyright, spec.copyrightPath(rel));
    const album = albums.get(file);
    // Credit: album metadata names the composer of each track; a DEP-5 stanza that lists
    // people for these very files comes next; else the package's own credit.
    const specific = stanza && !stanza.files.includes('*') ? stanza.holders : [];
    const composers: string[] = album?.track.author
      ? [album.track.author]
      : specific.length
        ? specific
        : [spec.fallbackComposer];
    const creditSource: CorpusTrack['creditSource'] = album?.track.author
      ? 'album metadata'
      : specific.length
        ? 'copyright'
        : 'package';
    const title = album?.track.title ?? titleFromFile(file);
    const soundtrack = album ? `${spec.soundtrack}: ${album.album}` : spec.soundtrack;
    tracks.push({
      // One track = one "film": splits then keep every clip of a track together (DESIGN.md).
      film: `${soundtrack} — ${title}`,
      soundtrack,
      composers,
      genres: [...spec.genres, ...moodsFromName(basename(file)), ...moodsFromName(title)].filter(
        (g, i, all) => all.indexOf(g) === i,
      ),
      media: file,
      start: 0,
      end: Math.floor(info.audio.durationS * 1000) / 1000,
      license: album?.licence ?? stanza?.license ?? 'unknown',
      creditSource,
    });
  }
  return tracks;
}

export interface CorpusOptions {
  out: string;
  packages?: string[];
  onStage?: (text: string) => void;
}

export interface CorpusResult {
  manifest: string;
  tracks: CorpusTrack[];
}

/**
 * Fetch the soundtrack packages with `apt-get download`, unpack them, and write
 * `<out>/manifest.jsonl` (+ `licences.json`) describing every track.
 */
export async function prepareDebianCorpus(opts: CorpusOptions): Promise<CorpusResult> {
  const out = resolve(opts.out);
  const stage = opts.onStage ?? (() => {});
  const wanted = opts.packages ?? DEBIAN_SOUNDTRACKS.map((s) => s.package);
  const specs = wanted.map((p) => {
    const s = DEBIAN_SOUNDTRACKS.find((d) => d.package === p);
    if (!s) {
      throw new UsageError(
        `unknown soundtrack package "${p}"; known: ${DEBIAN_SOUNDTRACKS.map((d) => d.package).join(', ')}`,
      );
    }
    return s;
  });
  const debs = join(out, 'debs');
  const unpacked = join(out, 'unpacked');
  await mkdir(debs, { recursive: true });
  await mkdir(unpacked, { recursive: true });
  const tracks: CorpusTrack[] = [];
  for (const spec of specs) {
    stage(`downloading ${spec.package}`);
    const deb = await download(spec.package, debs);
    stage(`unpacking ${spec.package}`);
    const dir = await unpack(spec, deb, unpacked);
    stage(`describing ${spec.package}`);
    tracks.push(...(await describeSoundtrack(spec, dir)));
  }
  const manifest = join(out, 'manifest.jsonl');
  await writeFileAtomically(
    manifest,
    Buffer.from(tracks.map((t) => manifestLine(t, out)).join('\n') + '\n', 'utf8'),
  );
  const licences = tracks.map((t) => ({
    media: relative(out, t.media),
    soundtrack: t.soundtrack,
    composers: t.composers,
    creditSource: t.creditSource,
    license: t.license,
  }));
  await writeFileAtomically(
    join(out, 'licences.json'),
    Buffer.from(JSON.stringify(licences, null, 1), 'utf8'),
  );
  return { manifest, tracks };
}
