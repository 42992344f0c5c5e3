import { createHash } from 'node:crypto';

export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** FilmScoreDB's split: 26,730 / 2,895 / 2,895 clips. */
export const PAPER_RATIOS: Readonly<Record<SplitName, number>> = Object.freeze({
  train: 26730 / 32520,
  val: 2895 / 32520,
  test: 2895 / 32520,
});

/**
 * Assign whole films to splits so that clip counts approach the target ratios and no film
 * is in two splits. Deterministic: films are taken in the order of a hash of their name
 * (salted by `seed`), each going to the split furthest below its target share so far.
 * Adding a film moves no other film that hashes before it.
 */
export function splitByFilm(
  clipsPerFilm: ReadonlyMap<string, number>,
  ratios: Readonly<Record<SplitName, number>> = PAPER_RATIOS,
  seed = 'filmscore',
): Map<string, SplitName> {
  const sum = SPLITS.reduce((s, k) => s + ratios[k], 0);
  if (!(sum > 0) || SPLITS.some((k) => !(ratios[k] >= 0))) {
    throw new RangeError('split ratios must be non-negative and not all zero');
  }
  const target = Object.fromEntries(SPLITS.map((k) => [k, ratios[k] / sum])) as Record<
    SplitName,
    number
  >;
  const key = (film: string): string =>
    createHash('sha256').update(`${seed}\0${film}`).digest('hex');
  const films = [...clipsPerFilm.keys()].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
  const count: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  let total = 0;
  const out = new Map<string, SplitName>();
  for (const film of films) {
    const n = clipsPerFilm.get(film) ?? 0;
    // The split whose share would fall shortest of its target after adding this film.
    let best: SplitName = 'train';
    let bestDeficit = -Infinity;
    for (const s of SPLITS) {
      if (target[s] === 0) continue;
      const deficit = target[s] * (total + n) - count[s];
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = s;
      }
    }
    out.set(film, best);
    count[best] += n;
    total += n;
  }
  return out;
}
