import { createCanvas } from '@napi-rs/canvas';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomically } from '../util/atomic-file.js';
import { UsageError } from '../util/errors.js';
import { CacheIndex } from './cache-index.js';
import { SPLITS, type SplitName } from './split.js';

export interface DatasetStats {
  clips: number;
  hours: number;
  splits: Record<SplitName, number>;
  composers: Record<string, number>;
  genres: Record<string, number>;
  films: number;
  withVideo: number;
}

function countSorted(values: string[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Counts of a built dataset, read from its index (clips per composer and per genre count a
 * clip once for each of its composers / genres, as the paper's Figures 5–6 do). */
export function datasetStats(dir: string): DatasetStats {
  const path = join(resolve(dir), 'index.sqlite');
  if (!existsSync(path)) {
    throw new UsageError(
      `${dir} is not a built dataset (no index.sqlite): run \`filmscore dataset build\` first.`,
    );
  }
  const index = new CacheIndex(path);
  try {
    const clips = index.all();
    const splits = { train: 0, val: 0, test: 0 } as Record<SplitName, number>;
    for (const c of clips) splits[c.split]++;
    return {
      clips: clips.length,
      hours: clips.reduce((s, c) => s + c.durationS, 0) / 3600,
      splits,
      composers: countSorted(clips.flatMap((c) => c.composers)),
      genres: countSorted(clips.flatMap((c) => c.genres)),
      films: new Set(clips.map((c) => c.film)).size,
      withVideo: clips.filter((c) => c.hasVideo).length,
    };
  } finally {
    index.close();
  }
}

export function statsText(s: DatasetStats, top = 15): string {
  const table = (title: string, counts: Record<string, number>): string[] => {
    const entries = Object.entries(counts);
    const width = Math.max(8, ...entries.slice(0, top).map(([k]) => k.length));
    const max = Math.max(1, ...entries.map(([, n]) => n));
    return [
      `${title} (${entries.length}):`,
      ...entries
        .slice(0, top)
        .map(
          ([k, n]) =>
            `  ${k.padEnd(width)} ${String(n).padStart(6)}  ${'#'.repeat(Math.round((30 * n) / max))}`,
        ),
      ...(entries.length > top ? [`  … ${entries.length - top} more`] : []),
    ];
  };
  return [
    `${s.clips} clips, ${s.hours.toFixed(2)} h, ${s.films} films, ${s.withVideo} with video`,
    `splits: ${SPLITS.map((k) => `${k} ${s.splits[k]}`).join(' · ')}`,
    ...table('composers', s.composers),
    ...table('genres', s.genres),
  ].join('\n');
}

/** Two bar charts like the paper's Figures 5–6: clips per composer and per genre. */
export function renderStatsFigure(s: DatasetStats, top = 25): Buffer {
  const panels: [string, [string, number][]][] = [
    ['clips per composer', Object.entries(s.composers).slice(0, top)],
    ['clips per genre', Object.entries(s.genres).slice(0, top)],
  ];
  const rowH = 18;
  const labelW = 300;
  const width = 1000;
  const heights = panels.map(([, e]) => 40 + Math.max(1, e.length) * rowH);
  const canvas = createCanvas(width, 50 + heights.reduce((a, b) => a + b, 0));
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#111';
  g.font = '15px DejaVu Sans, sans-serif';
  g.fillText(
    `${s.clips} clips · ${s.hours.toFixed(2)} h · train ${s.splits.train} / val ${s.splits.val} / test ${s.splits.test}`,
    20,
    26,
  );
  let y = 50;
  panels.forEach(([title, entries], i) => {
    g.fillStyle = '#111';
    g.font = '13px DejaVu Sans, sans-serif';
    g.fillText(title, 20, y + 14);
    const max = Math.max(1, ...entries.map(([, n]) => n));
    entries.forEach(([name, n], r) => {
      const yy = y + 30 + r * rowH;
      g.fillStyle = '#333';
      g.font = '11px DejaVu Sans, sans-serif';
      const label = name.length > 42 ? `${name.slice(0, 41)}…` : name;
      g.fillText(label, 20, yy + 12);
      g.fillStyle = i === 0 ? '#1f5fbf' : '#c0392b';
      const w = ((width - labelW - 80) * n) / max;
      g.fillRect(labelW, yy + 2, Math.max(1, w), rowH - 5);
      g.fillStyle = '#333';
      g.fillText(String(n), labelW + w + 6, yy + 12);
    });
    y += heights[i];
  });
  return canvas.toBuffer('image/png');
}

export async function writeStatsFigure(path: string, s: DatasetStats): Promise<void> {
  await writeFileAtomically(path, renderStatsFigure(s));
}
