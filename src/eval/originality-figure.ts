import { createCanvas } from '@napi-rs/canvas';
import { niceStep } from '../util/nice-step.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import type { SystemPoint } from './originality.js';

const W = 760;
const H = 560;
const PAD = { left: 80, right: 200, top: 50, bottom: 60 };
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
];

/**
 * The paper's Figure 2: originality (x) against recognizability (y); per system a big point
 * (its mean) and small points (its classes), one colour per system.
 */
export function renderOriginalityFigure(points: readonly SystemPoint[], title: string): Buffer {
  const canvas = createCanvas(W, H);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  const all = points.flatMap((p) => [p, ...p.classes]);
  const xMax = Math.max(1e-9, ...all.map((p) => p.originality)) * 1.1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const px = (v: number): number => PAD.left + (v / xMax) * plotW;
  const py = (v: number): number => PAD.top + (1 - v) * plotH;
  g.font = '16px DejaVu Sans, sans-serif';
  g.fillStyle = '#111';
  g.fillText(title, PAD.left, 30);
  g.strokeStyle = '#333';
  g.lineWidth = 1;
  g.strokeRect(PAD.left - 0.5, PAD.top - 0.5, plotW + 1, plotH + 1);
  g.font = '12px DejaVu Sans, sans-serif';
  const xs = niceStep(xMax, 6);
  for (let v = 0; v <= xMax + 1e-12; v += xs) {
    g.fillText(Number(v.toPrecision(3)).toString(), px(v) - 10, PAD.top + plotH + 18);
    g.fillRect(px(v), PAD.top + plotH, 1, 5);
  }
  for (let v = 0; v <= 1.0001; v += 0.2) {
    g.fillText(`${Math.round(v * 100)} %`, PAD.left - 46, py(v) + 4);
    g.fillRect(PAD.left - 5, py(v), 5, 1);
  }
  g.fillText('originality (embedding variance within a class)', PAD.left + plotW / 2 - 140, H - 18);
  g.save();
  g.translate(22, PAD.top + plotH / 2 + 80);
  g.rotate(-Math.PI / 2);
  g.fillText('recognizability (one-shot accuracy)', 0, 0);
  g.restore();
  points.forEach((p, i) => {
    const c = PALETTE[i % PALETTE.length];
    g.fillStyle = c;
    g.globalAlpha = 0.55;
    for (const k of p.classes) {
      g.beginPath();
      g.arc(px(k.originality), py(k.recognizability), 4, 0, 2 * Math.PI);
      g.fill();
    }
    g.globalAlpha = 1;
    g.beginPath();
    g.arc(px(p.originality), py(p.recognizability), 11, 0, 2 * Math.PI);
    g.fill();
    g.strokeStyle = '#111';
    g.stroke();
    const ly = PAD.top + 10 + i * 24;
    g.beginPath();
    g.arc(W - PAD.right + 24, ly, 7, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#111';
    g.fillText(p.system, W - PAD.right + 38, ly + 4);
  });
  return canvas.toBuffer('image/png');
}

export async function writeOriginalityFigure(
  path: string,
  points: readonly SystemPoint[],
  title: string,
): Promise<void> {
  await writeFileAtomically(path, renderOriginalityFigure(points, title));
}
