import type { VideoFrame } from '../media/video-frames.js';

/**
 * Low-level statistics of one RGB frame, the raw material of the aesthetic attributes, the
 * shot-cut detector and the video-side affect descriptors. Values are on natural scales
 * (0–1 unless said); the film encoder maps them onto its descriptors.
 */
export interface FrameStats {
  /** Mean luma (Rec. 601), 0 black … 1 white. */
  brightness: number;
  /** Standard deviation of luma (RMS contrast), 0 … 0.5. */
  contrast: number;
  /** Hasler–Süsstrunk colourfulness, divided by 100 (≈ 0 grey … 1 very colourful). */
  colourfulness: number;
  /** Mean HSV saturation. */
  saturation: number;
  /** (mean R − mean B) / 255: > 0 warm, < 0 cool. */
  warmth: number;
  /** Variance of the 4-neighbour Laplacian of luma (sharpness / focus), in luma² units. */
  sharpness: number;
  /** How much of the detail energy (|Laplacian|) lies near the rule-of-thirds lines, 0–1. */
  thirds: number;
  /** Luma contrast between the central third and its surround (subject emphasis), 0–1. */
  centreEmphasis: number;
  /** 8 × 8 × 8 RGB histogram (512 bins, sums to 1), for shot-cut detection. */
  histogram: Float32Array;
  /** Luma at 1/4 resolution, for motion between frames. */
  thumbnail: Float32Array;
}

const HIST_BINS = 8;

export function frameStats(f: Pick<VideoFrame, 'rgb' | 'width' | 'height'>): FrameStats {
  const { rgb, width: w, height: h } = f;
  const n = w * h;
  const luma = new Float32Array(n);
  const histogram = new Float32Array(HIST_BINS ** 3);
  let sumY = 0;
  let sumR = 0;
  let sumB = 0;
  let sumS = 0;
  let sumRg = 0;
  let sumRg2 = 0;
  let sumYb = 0;
  let sumYb2 = 0;
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    const y = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    luma[i] = y;
    sumY += y;
    sumR += r;
    sumB += b;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    sumS += max > 0 ? (max - min) / max : 0;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sumRg += rg;
    sumRg2 += rg * rg;
    sumYb += yb;
    sumYb2 += yb * yb;
    const bin =
      ((r * HIST_BINS) >> 8) * HIST_BINS * HIST_BINS +
      ((g * HIST_BINS) >> 8) * HIST_BINS +
      ((b * HIST_BINS) >> 8);
    histogram[bin] += 1 / n;
  }
  const meanY = sumY / n;
  let varY = 0;
  for (let i = 0; i < n; i++) varY += (luma[i] - meanY) ** 2;
  const contrast = Math.sqrt(varY / n);
  const sdRg = Math.sqrt(Math.max(0, sumRg2 / n - (sumRg / n) ** 2));
  const sdYb = Math.sqrt(Math.max(0, sumYb2 / n - (sumYb / n) ** 2));
  const colourfulness = (Math.hypot(sdRg, sdYb) + 0.3 * Math.hypot(sumRg / n, sumYb / n)) / 100;

  // Laplacian: sharpness (its variance) and where the detail sits (thirds, centre).
  let lapSum = 0;
  let lapSq = 0;
  let energy = 0;
  let nearThirds = 0;
  const band = Math.max(1, Math.round(Math.min(w, h) / 12));
  const thirdsX = [w / 3, (2 * w) / 3];
  const thirdsY = [h / 3, (2 * h) / 3];
  let centre = 0;
  let centreN = 0;
  let surround = 0;
  let surroundN = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inCentre = x >= w / 3 && x < (2 * w) / 3 && y >= h / 3 && y < (2 * h) / 3;
      if (inCentre) {
        centre += luma[i];
        centreN++;
      } else {
        surround += luma[i];
        surroundN++;
      }
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) continue;
      const lap = 4 * luma[i] - luma[i - 1] - luma[i + 1] - luma[i - w] - luma[i + w];
      lapSum += lap;
      lapSq += lap * lap;
      const e = Math.abs(lap);
      energy += e;
      if (
        thirdsX.some((t) => Math.abs(x - t) <= band) ||
        thirdsY.some((t) => Math.abs(y - t) <= band)
      ) {
        nearThirds += e;
      }
    }
  }
  const inner = Math.max(1, (w - 2) * (h - 2));
  const sharpness = lapSq / inner - (lapSum / inner) ** 2;
  const thirds = energy > 0 ? nearThirds / energy : 0;
  const centreEmphasis = Math.min(
    1,
    Math.abs(centre / Math.max(1, centreN) - surround / Math.max(1, surroundN)) * 2,
  );

  // Quarter-resolution luma for motion.
  const tw = Math.max(1, w >> 2);
  const th = Math.max(1, h >> 2);
  const thumbnail = new Float32Array(tw * th);
  for (let y = 0; y < th * 4 && y < h; y++) {
    for (let x = 0; x < tw * 4 && x < w; x++)
      thumbnail[(y >> 2) * tw + (x >> 2)] += luma[y * w + x] / 16;
  }
  return {
    brightness: meanY,
    contrast,
    colourfulness,
    saturation: sumS / n,
    warmth: (sumR - sumB) / n / 255,
    sharpness,
    thirds,
    centreEmphasis,
    histogram,
    thumbnail,
  };
}

/** Mean absolute luma change between two frames' thumbnails (0 still … 1 total change). */
export function motionBetween(a: FrameStats, b: FrameStats): number {
  let d = 0;
  for (let i = 0; i < a.thumbnail.length; i++) d += Math.abs(a.thumbnail[i] - b.thumbnail[i]);
  return d / Math.max(1, a.thumbnail.length);
}

/**
 * How different two consecutive frames are, for cut detection (0 same … 1 unrelated): the
 * larger of the colour-histogram distance and the layout change (thumbnail luma difference,
 * scaled so 0.1 mean change counts as 1), since a cut between two shots of similar colours
 * (dark scenes) still rearranges the picture.
 */
export function shotChange(a: FrameStats, b: FrameStats): number {
  return Math.max(histogramDistance(a, b), Math.min(1, motionBetween(a, b) / 0.1));
}

/** Half the L1 distance between two frames' colour histograms (0 same … 1 disjoint). */
export function histogramDistance(a: FrameStats, b: FrameStats): number {
  let d = 0;
  for (let i = 0; i < a.histogram.length; i++) d += Math.abs(a.histogram[i] - b.histogram[i]);
  return d / 2;
}
