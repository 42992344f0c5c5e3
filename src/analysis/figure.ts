import type { SKRSContext2D } from '@napi-rs/canvas';
import { PITCH_CLASS_NAMES } from '../units.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { titledCanvas } from '../util/titled-canvas.js';
import { niceStep } from '../util/nice-step.js';
import type { MusicAnalysis } from './music-analysis.js';

const WIDTH = 1400;
const LEFT = 70;
const RIGHT = 20;
const PANEL_GAP = 34;
const PANELS = { mel: 220, melody: 160, dynamics: 150 };
const TOP = 62;
const BOTTOM = 46;

/** Magma-like colour map from a few control points, linearly interpolated (0 dark → 1 light). */
const MAP: [number, number, number][] = [
  [0, 0, 4],
  [59, 15, 112],
  [140, 41, 129],
  [222, 73, 104],
  [254, 159, 109],
  [252, 253, 191],
];
function colour(v: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, v)) * (MAP.length - 1);
  const i = Math.min(MAP.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(MAP[i][c] + f * (MAP[i + 1][c] - MAP[i][c]))) as [
    number,
    number,
    number,
  ];
}

/**
 * The paper's Figure 4 for one piece: log-mel spectrogram, melody control (pitch class per
 * frame) and dynamics control (dB, with onsets and beats) on one time axis. Returns PNG bytes.
 */
export function renderAnalysisFigure(m: MusicAnalysis, title: string): Buffer {
  const height = TOP + PANELS.mel + PANELS.melody + PANELS.dynamics + 2 * PANEL_GAP + BOTTOM;
  const { canvas, g } = titledCanvas(WIDTH, height, title, LEFT);
  const plotW = WIDTH - LEFT - RIGHT;
  const frames = m.logMel.frames;
  const xOf = (frame: number): number => LEFT + (frame / Math.max(1, frames)) * plotW;
  // Frames per pixel column (fractional): long pieces are summarised (max for the mel, mode
  // for melody), short ones stretched.
  const perPx = frames / plotW;

  // 1. Log-mel spectrogram, low bands at the bottom.
  let y0 = TOP;
  const melImg = g.createImageData(plotW, PANELS.mel);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m.logMel.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  lo = Math.max(lo, hi - 12); // show ~100 dB of range (natural-log units)
  const bands = m.logMel.bins;
  for (let px = 0; px < plotW; px++) {
    const f0 = Math.floor(px * perPx);
    const f1 = Math.min(frames, Math.max(f0 + 1, Math.floor((px + 1) * perPx)));
    for (let py = 0; py < PANELS.mel; py++) {
      const band = Math.min(bands - 1, Math.floor(((PANELS.mel - 1 - py) / PANELS.mel) * bands));
      let v = -Infinity;
      for (let f = f0; f < f1; f++) v = Math.max(v, m.logMel.data[f * bands + band]);
      const [r, gg, b] = colour((v - lo) / (hi - lo || 1));
      const o = 4 * (py * plotW + px);
      melImg.data[o] = r;
      melImg.data[o + 1] = gg;
      melImg.data[o + 2] = b;
      melImg.data[o + 3] = 255;
    }
  }
  g.putImageData(melImg, LEFT, y0);
  panelFrame(g, y0, PANELS.mel, 'log-mel (64 bands, 0–8 kHz)');

  // 2. Melody: one mark per pixel column at the column's most frequent pitch class.
  y0 += PANELS.mel + PANEL_GAP;
  const rowH = PANELS.melody / 12;
  drawPitchGrid(g, y0, plotW);
  g.fillStyle = '#1f5fbf';
  drawMelodyMarks(g, m.melody, y0, plotW, perPx, 1, rowH - 2);
  panelFrame(g, y0, PANELS.melody, 'melody control (argmax pitch class)');

  // 3. Dynamics curve with onsets (ticks below) and beats (ticks above).
  y0 += PANELS.melody + PANEL_GAP;
  let dLo = Infinity;
  let dHi = -Infinity;
  for (const v of m.dynamics) {
    if (v < dLo) dLo = v;
    if (v > dHi) dHi = v;
  }
  if (!(dHi > dLo)) [dLo, dHi] = [dLo - 1, dLo + 1];
  const yOf = (db: number): number =>
    y0 + PANELS.dynamics - 8 - ((db - dLo) / (dHi - dLo)) * (PANELS.dynamics - 16);
  g.strokeStyle = '#c0392b';
  g.lineWidth = 1.5;
  g.beginPath();
  for (let px = 0; px < plotW; px++) {
    const f = Math.min(m.dynamics.length - 1, Math.floor(px * perPx));
    if (px === 0) g.moveTo(LEFT + px, yOf(m.dynamics[f]));
    else g.lineTo(LEFT + px, yOf(m.dynamics[f]));
  }
  g.stroke();
  const secToX = (s: number): number => xOf(s * m.frameRate);
  g.fillStyle = '#2e7d32';
  for (const t of m.onsets) g.fillRect(secToX(t), y0 + PANELS.dynamics - 6, 1, 6);
  g.fillStyle = '#444';
  for (const t of m.beats) g.fillRect(secToX(t), y0, 1, 6);
  g.fillStyle = '#555';
  g.font = '10px DejaVu Sans, sans-serif';
  g.fillText(`${dHi.toFixed(0)} dB`, 8, y0 + 12);
  g.fillText(`${dLo.toFixed(0)} dB`, 8, y0 + PANELS.dynamics - 4);
  panelFrame(
    g,
    y0,
    PANELS.dynamics,
    `dynamics control (dB, Savitzky–Golay) · onsets ▁ · beats ▔ · ${m.tempo.toFixed(1)} BPM`,
  );

  drawTimeAxis(g, y0 + PANELS.dynamics, m.durationS, secToX, plotW);
  return canvas.toBuffer('image/png');
}

/** Pitch-class rows (C at the bottom) on a light panel. */
function drawPitchGrid(g: SKRSContext2D, y0: number, plotW: number): void {
  const rowH = PANELS.melody / 12;
  g.fillStyle = '#f5f5f5';
  g.fillRect(LEFT, y0, plotW, PANELS.melody);
  g.fillStyle = '#555';
  g.font = '10px DejaVu Sans, sans-serif';
  for (let c = 0; c < 12; c++)
    g.fillText(PITCH_CLASS_NAMES[c], LEFT - 22, y0 + PANELS.melody - c * rowH - 2);
}

/** One mark per pixel column at the column's most frequent pitch class (12+: no pitch), in the
 * current fill style, `inset` px below the row's top and `h` px high. */
function drawMelodyMarks(
  g: SKRSContext2D,
  melody: ArrayLike<number>,
  y0: number,
  plotW: number,
  perPx: number,
  inset: number,
  h: number,
): void {
  const rowH = PANELS.melody / 12;
  const counts = new Uint32Array(12);
  for (let px = 0; px < plotW; px++) {
    const f0 = Math.floor(px * perPx);
    const f1 = Math.min(melody.length, Math.max(f0 + 1, Math.floor((px + 1) * perPx)));
    if (f0 >= melody.length) break;
    counts.fill(0);
    let any = false;
    for (let f = f0; f < f1; f++) {
      if (melody[f] < 12) {
        counts[melody[f]]++;
        any = true;
      }
    }
    if (!any) continue;
    let best = 0;
    for (let c = 1; c < 12; c++) if (counts[c] > counts[best]) best = c;
    g.fillRect(LEFT + px, y0 + PANELS.melody - (best + 1) * rowH + inset, 1, h);
  }
}

function drawTimeAxis(
  g: SKRSContext2D,
  axisY: number,
  durationS: number,
  secToX: (s: number) => number,
  plotW: number,
): void {
  const step = niceStep(durationS, 12);
  g.fillStyle = '#111';
  g.font = '11px DejaVu Sans, sans-serif';
  for (let t = 0; t <= durationS + 1e-9; t += step) {
    const x = secToX(t);
    g.fillRect(x, axisY, 1, 5);
    g.fillText(
      t >= 60
        ? `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}`
        : `${+t.toFixed(2)}`,
      x - 8,
      axisY + 18,
    );
  }
  g.fillText(durationS >= 60 ? 'time (m:ss)' : 'time (s)', LEFT + plotW / 2 - 20, axisY + 36);
}

/** A piece's controls as the comparison figure draws them (100 frames/s). */
export interface ControlTrack {
  melody: ArrayLike<number>;
  dynamics: ArrayLike<number>;
}

/**
 * Style transfer at a glance (HPM Figure 4's controls): the reference's and the output's melody
 * (reference as wide light rows, output as narrow dark marks: a hit is a dark mark inside a light
 * one) and dynamics (each standardised: r is about shape, not level) on one time axis.
 */
export function renderControlComparison(
  reference: ControlTrack,
  output: ControlTrack,
  frameRate: number,
  title: string,
): Buffer {
  const height = TOP + PANELS.melody + PANELS.dynamics + PANEL_GAP + BOTTOM;
  const { canvas, g } = titledCanvas(WIDTH, height, title, LEFT);
  const plotW = WIDTH - LEFT - RIGHT;
  const frames = Math.max(output.melody.length, output.dynamics.length, 1);
  const perPx = frames / plotW;
  const secToX = (s: number): number => LEFT + ((s * frameRate) / frames) * plotW;
  let y0 = TOP;
  const rowH = PANELS.melody / 12;
  drawPitchGrid(g, y0, plotW);
  g.fillStyle = '#9cc3f0';
  drawMelodyMarks(g, reference.melody, y0, plotW, perPx, 1, rowH - 2);
  g.fillStyle = '#0b2e63';
  drawMelodyMarks(g, output.melody, y0, plotW, perPx, rowH / 2 - 2, 4);
  panelFrame(g, y0, PANELS.melody, 'melody: reference (light rows) · output (dark marks)');
  y0 += PANELS.melody + PANEL_GAP;
  const standardised = (v: ArrayLike<number>): number[] => {
    const a = Array.from(v).slice(0, frames);
    const mean = a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, a.length)) || 1;
    return a.map((x) => Math.max(-3, Math.min(3, (x - mean) / sd)));
  };
  const yOf = (z: number): number => y0 + PANELS.dynamics / 2 - (z / 3) * (PANELS.dynamics / 2 - 8);
  for (const [series, stroke] of [
    [standardised(reference.dynamics), '#9cc3f0'],
    [standardised(output.dynamics), '#c0392b'],
  ] as const) {
    g.strokeStyle = stroke;
    g.lineWidth = 1.5;
    g.beginPath();
    for (let px = 0; px < plotW; px++) {
      const f = Math.min(series.length - 1, Math.floor(px * perPx));
      if (f < 0) break;
      if (px === 0) g.moveTo(LEFT + px, yOf(series[f]));
      else g.lineTo(LEFT + px, yOf(series[f]));
    }
    g.stroke();
  }
  panelFrame(g, y0, PANELS.dynamics, 'dynamics, standardised: reference (light) · output (red)');
  drawTimeAxis(g, y0 + PANELS.dynamics, frames / frameRate, secToX, plotW);
  return canvas.toBuffer('image/png');
}

function panelFrame(g: SKRSContext2D, y: number, h: number, label: string): void {
  g.strokeStyle = '#333';
  g.lineWidth = 1;
  g.strokeRect(LEFT - 0.5, y - 0.5, WIDTH - LEFT - RIGHT + 1, h + 1);
  g.fillStyle = '#111';
  g.font = '12px DejaVu Sans, sans-serif';
  g.fillText(label, LEFT, y - 6);
}

export async function writeAnalysisFigure(
  path: string,
  m: MusicAnalysis,
  title: string,
): Promise<void> {
  await writeFileAtomically(path, renderAnalysisFigure(m, title));
}
