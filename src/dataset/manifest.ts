import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Seconds } from '../units.js';
import { UsageError } from '../util/errors.js';

/** The six emotion classes of EmoMV, the optional label of a segment. */
export const EMOTIONS = ['exciting', 'fearful', 'tense', 'sad', 'relaxing', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/**
 * One annotated segment of a FilmScoreDB-style manifest (JSON Lines, one object a line):
 *
 *   film        string            the film (or, for a soundtrack corpus, the track): the unit
 *                                 of the train/val/test split — no film is in two splits
 *   soundtrack  string            the soundtrack (album) title
 *   composer    string | string[] one or more composers
 *   genres      string[]          genres / moods, may be empty
 *   media       string            audio or video file; relative paths are relative to the
 *                                 manifest's folder
 *   start, end  number            the segment, in seconds from the start of the media
 *   emotion     string (optional) one of exciting, fearful, tense, sad, relaxing, neutral
 *
 * Other fields are allowed and ignored.
 */
export interface ManifestRow {
  /** 1-based line in the manifest, for messages. */
  line: number;
  film: string;
  soundtrack: string;
  composers: string[];
  genres: string[];
  /** Absolute path. */
  media: string;
  start: Seconds;
  end: Seconds;
  emotion?: Emotion;
}

export interface ManifestProblem {
  line: number;
  /** The offending field, or null when the line as a whole is wrong. */
  field: string | null;
  message: string;
}

export interface ParsedManifest {
  rows: ManifestRow[];
  problems: ManifestProblem[];
}

type Check = { ok: true } | { ok: false; field: string; message: string };

function nonEmptyString(o: Record<string, unknown>, field: string): Check {
  const v = o[field];
  if (v === undefined) return { ok: false, field, message: `"${field}" is required` };
  if (typeof v !== 'string' || v.trim() === '') {
    return { ok: false, field, message: `"${field}" must be a non-empty string` };
  }
  return { ok: true };
}

/** Validate one parsed line; the first problem found is reported. */
function validate(o: Record<string, unknown>): Check {
  for (const f of ['film', 'soundtrack', 'media']) {
    const c = nonEmptyString(o, f);
    if (!c.ok) return c;
  }
  const composer = o.composer;
  const composerOk =
    (typeof composer === 'string' && composer.trim() !== '') ||
    (Array.isArray(composer) &&
      composer.length > 0 &&
      composer.every((c) => typeof c === 'string' && c.trim() !== ''));
  if (!composerOk) {
    return {
      ok: false,
      field: 'composer',
      message: '"composer" must be a name or a non-empty list of names',
    };
  }
  if (!Array.isArray(o.genres) || !o.genres.every((g) => typeof g === 'string')) {
    return { ok: false, field: 'genres', message: '"genres" must be a list of strings' };
  }
  for (const f of ['start', 'end']) {
    const v = o[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return { ok: false, field: f, message: `"${f}" must be a number of seconds` };
    }
  }
  if ((o.start as number) < 0) {
    return { ok: false, field: 'start', message: '"start" is negative' };
  }
  if ((o.end as number) <= (o.start as number)) {
    return { ok: false, field: 'end', message: '"end" is not after "start"' };
  }
  if (o.emotion !== undefined && !EMOTIONS.includes(o.emotion as Emotion)) {
    return {
      ok: false,
      field: 'emotion',
      message: `"emotion" must be one of ${EMOTIONS.join(', ')}`,
    };
  }
  return { ok: true };
}

/** Parse and validate manifest text. Blank lines and lines starting with # are skipped. */
export function parseManifest(text: string, baseDir: string): ParsedManifest {
  const rows: ManifestRow[] = [];
  const problems: ManifestProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    let o: unknown;
    try {
      o = JSON.parse(s);
    } catch (err) {
      problems.push({ line, field: null, message: `not valid JSON (${(err as Error).message})` });
      return;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      problems.push({ line, field: null, message: 'each line must be one JSON object' });
      return;
    }
    const rec = o as Record<string, unknown>;
    const check = validate(rec);
    if (!check.ok) {
      problems.push({ line, field: check.field, message: check.message });
      return;
    }
    const media = rec.media as string;
    rows.push({
      line,
      film: (rec.film as string).trim(),
      soundtrack: (rec.soundtrack as string).trim(),
      composers: (Array.isArray(rec.composer) ? rec.composer : [rec.composer]).map((c) =>
        String(c).trim(),
      ),
      genres: (rec.genres as string[]).map((g) => g.trim()).filter(Boolean),
      media: isAbsolute(media) ? media : resolve(baseDir, media),
      start: rec.start as number,
      end: rec.end as number,
      emotion: rec.emotion as Emotion | undefined,
    });
  });
  return { rows, problems };
}

export async function readManifest(path: string): Promise<ParsedManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(
      `${path}: manifest file is missing or unreadable. Give a JSON Lines file (see README).`,
    );
  }
  return parseManifest(text, dirname(resolve(path)));
}

/** One manifest line for a row (what corpus builders write). */
export function manifestLine(row: Omit<ManifestRow, 'line'>, baseDir?: string): string {
  const media =
    baseDir && row.media.startsWith(baseDir + '/')
      ? row.media.slice(baseDir.length + 1)
      : row.media;
  const o: Record<string, unknown> = {
    film: row.film,
    soundtrack: row.soundtrack,
    composer: row.composers.length === 1 ? row.composers[0] : row.composers,
    genres: row.genres,
    media,
    start: row.start,
    end: row.end,
  };
  if (row.emotion) o.emotion = row.emotion;
  return JSON.stringify(o);
}
