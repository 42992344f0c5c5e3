import { createCanvas } from '@napi-rs/canvas';
import { writeFileAtomically } from '../util/atomic-file.js';
import { titledCanvas } from '../util/titled-canvas.js';
import { EMOTION_CLASSES, type FilmAnalysis } from './film-analysis.js';

const W = 1400;
const LEFT = 70;
const RIGHT = 20;

/**
 * A timeline like the paper's Figure 3: key frames, then brightness and motion at 10 fps and
 * the aesthetic score at 1 fps on one time axis with the cuts marked, and the emotion
 * probabilities and aesthetic attributes as bars.
 */
export function renderFilmTimeline(f: FilmAnalysis, title: string): Buffer {
  const plotW = W - LEFT - RIGHT;
  const stripH = f.keyframes.length ? Math.round((plotW / f.keyframes.length) * (126 / 224)) : 0;
  const curvesH = 200;
  const barsH = 170;
  const H = 40 + stripH + 30 + curvesH + 40 + barsH + 20;
  const { canvas, g } = titledCanvas(W, H, title, LEFT);

  // 1. Key frames.
  let y = 40;
  f.keyframes.forEach((k, i) => {
    const img = g.createImageData(k.width, k.height);
    for (let p = 0; p < k.width * k.height; p++) {
      img.data[4 * p] = k.rgb[3 * p];
      img.data[4 * p + 1] = k.rgb[3 * p + 1];
      img.data[4 * p + 2] = k.rgb[3 * p + 2];
      img.data[4 * p + 3] = 255;
    }
    const tile = createCanvas(k.width, k.height);
    tile.getContext('2d').putImageData(img, 0, 0);
    const w = plotW / f.keyframes.length;
    g.drawImage(tile, LEFT + i * w + 1, y, w - 2, stripH);
  });

  // 2. Curves over time, with cuts.
  y += stripH + 30;
  const xOf = (t: number): number => LEFT + (t / Math.max(f.durationS, 1e-6)) * plotW;
  g.strokeStyle = '#333';
  g.strokeRect(LEFT - 0.5, y - 0.5, plotW + 1, curvesH + 1);
  const curve = (values: ArrayLike<number>, rate: number, scale: number, colour: string): void => {
    g.strokeStyle = colour;
    g.lineWidth = 1.5;
    g.beginPath();
    for (let i = 0; i < values.length; i++) {
      const px = xOf(i / rate);
      const py = y + curvesH - Math.min(1, values[i] / scale) * (curvesH - 4) - 2;
      if (i === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    }
    g.stroke();
  };
  g.fillStyle = '#c62828';
  for (const t of f.cuts) g.fillRect(xOf(t), y, 1, curvesH);
  curve(f.brightness, f.fps, 1, '#f9a825');
  curve(f.motion, f.fps, 0.15, '#1565c0');
  curve(f.aestheticOverTime, 1, 1, '#2e7d32');
  g.font = '12px DejaVu Sans, sans-serif';
  g.fillStyle = '#111';
  g.fillText(
    'brightness (yellow) · motion (blue, 0–0.15) · aesthetic score (green, 1 fps) · cuts (red)',
    LEFT,
    y - 8,
  );
  const step = [1, 2, 5, 10, 30, 60, 120, 300].find((s) => f.durationS / s <= 14) ?? 600;
  g.font = '11px DejaVu Sans, sans-serif';
  for (let t = 0; t <= f.durationS + 1e-9; t += step)
    g.fillText(`${t} s`, xOf(t) - 8, y + curvesH + 16);

  // 3. Bars: emotion probabilities and aesthetic attributes.
  y += curvesH + 40;
  const bars = (x0: number, label: string, entries: [string, number][], colour: string): void => {
    g.fillStyle = '#111';
    g.font = '12px DejaVu Sans, sans-serif';
    g.fillText(label, x0, y);
    entries.forEach(([name, v], i) => {
      const yy = y + 10 + i * 22;
      g.fillStyle = '#333';
      g.font = '11px DejaVu Sans, sans-serif';
      g.fillText(name, x0, yy + 13);
      g.fillStyle = colour;
      g.fillRect(x0 + 120, yy + 3, Math.max(1, v * 400), 14);
      g.fillStyle = '#333';
      g.fillText(v.toFixed(2), x0 + 126 + v * 400, yy + 14);
    });
  };
  bars(
    LEFT,
    'emotion (probability)',
    EMOTION_CLASSES.map((k) => [k, f.emotion[k]]),
    '#6a1b9a',
  );
  bars(
    LEFT + 650,
    'aesthetic attributes (0–1)',
    Object.entries(f.aesthetic) as [string, number][],
    '#2e7d32',
  );
  return canvas.toBuffer('image/png');
}

export async function writeFilmTimeline(
  path: string,
  f: FilmAnalysis,
  title: string,
): Promise<void> {
  await writeFileAtomically(path, renderFilmTimeline(f, title));
}
