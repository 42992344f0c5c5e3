import { fileURLToPath } from 'node:url';
import type { VideoFrame } from '../media/video-frames.js';
import { OnnxModel } from '../onnx/model.js';

/** The seven FER-2013 expressions, in the emotion model's output order. */
export const FACE_EXPRESSIONS = [
  'angry',
  'disgust',
  'fear',
  'happy',
  'sad',
  'surprise',
  'neutral',
] as const;
export type FaceExpression = (typeof FACE_EXPRESSIONS)[number];

/** A face found in a frame: box in 0–1 frame coordinates, detector confidence 0–1. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface Face extends FaceBox {
  /** Probabilities over FACE_EXPRESSIONS (sum 1). */
  expression: Record<FaceExpression, number>;
}

/** The offline face models shipped in models/faces (see training/export_face_models.py). */
export const DEFAULT_FACE_MODELS = {
  detector: fileURLToPath(new URL('../../../models/faces/blazeface.onnx', import.meta.url)),
  expression: fileURLToPath(new URL('../../../models/faces/emotion.onnx', import.meta.url)),
};

const DETECTOR_SIZE = 256;
const EXPRESSION_SIZE = 64;
/** human's defaults: a face needs a confidence of 0.2… we ask more of a film frame. */
const MIN_SCORE = 0.6;
const IOU_THRESHOLD = 0.3;
const MAX_FACES = 5;

/** BlazeFace's anchor centres in input pixels: 16 × 16 × 2, then 8 × 8 × 6, row-major. */
function anchorCentres(size: number): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [
    [size / 16, 2],
    [size / 8, 6],
  ]) {
    const cells = Math.ceil(size / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

/** Bilinear sample of channel c at a real pixel position (edge-clamped). */
function sample(f: Pick<VideoFrame, 'rgb' | 'width' | 'height'>, x: number, y: number, c: number) {
  const cx = Math.min(Math.max(x, 0), f.width - 1);
  const cy = Math.min(Math.max(y, 0), f.height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, f.width - 1);
  const y1 = Math.min(y0 + 1, f.height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (xx: number, yy: number): number => f.rgb[3 * (yy * f.width + xx) + c];
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Faces and their expressions, with BlazeFace (front model, 256 px) and the FER-2013
 * mini-Xception of @vladmandic/human, both converted to ONNX. A frame is letterboxed into
 * the detector's square (aspect kept, black bars), boxes go through non-maximum
 * suppression, and each face is cropped from the frame, turned grey (Rec. 601 weights, as
 * human) and resized to 64 × 64 for the expression model.
 */
export class FaceReader {
  private readonly anchors = anchorCentres(DETECTOR_SIZE);

  private constructor(
    private readonly detector: OnnxModel,
    private readonly expression: OnnxModel,
  ) {}

  static async load(paths = DEFAULT_FACE_MODELS): Promise<FaceReader> {
    return new FaceReader(
      // One thread each: they run while ffmpeg decodes the film on every core (BENCHMARKS.md).
      await OnnxModel.load(paths.detector, 'face detector', { threads: 1 }),
      await OnnxModel.load(paths.expression, 'face expression', { threads: 1 }),
    );
  }

  async dispose(): Promise<void> {
    await Promise.all([this.detector.dispose(), this.expression.dispose()]);
  }

  /** Faces in one RGB frame, most confident first. */
  async detect(frame: Pick<VideoFrame, 'rgb' | 'width' | 'height'>): Promise<FaceBox[]> {
    const size = DETECTOR_SIZE;
    const scale = size / Math.max(frame.width, frame.height);
    const input = new Float32Array(size * size * 3);
    const w = Math.round(frame.width * scale);
    const h = Math.round(frame.height * scale);
    if (scale === 1) {
      // Frames read at the detector's size (the film encoder's 1 fps frames) copy straight in.
      for (let y = 0; y < h; y++)
        for (let i = 0; i < 3 * w; i++) input[3 * y * size + i] = frame.rgb[3 * y * w + i];
    } else {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = (x + 0.5) / scale - 0.5;
          const sy = (y + 0.5) / scale - 0.5;
          for (let c = 0; c < 3; c++) input[3 * (y * size + x) + c] = sample(frame, sx, sy, c);
        }
      }
    }
    const out = await this.detector.run({
      [this.detector.inputs[0].name]: { data: input, dims: [1, size, size, 3] },
    });
    const det = out[this.detector.outputs[0].name].data;
    const candidates: FaceBox[] = [];
    const minLogit = Math.log(MIN_SCORE / (1 - MIN_SCORE));
    for (let a = 0; a < this.anchors.length / 2; a++) {
      const o = a * 17;
      if (!(det[o] > minLogit)) continue;
      const cx = this.anchors[2 * a] + det[o + 1];
      const cy = this.anchors[2 * a + 1] + det[o + 2];
      const bw = det[o + 3];
      const bh = det[o + 4];
      // Back to frame pixels, then to 0–1 of the frame.
      candidates.push({
        x: (cx - bw / 2) / scale / frame.width,
        y: (cy - bh / 2) / scale / frame.height,
        width: bw / scale / frame.width,
        height: bh / scale / frame.height,
        score: 1 / (1 + Math.exp(-det[o])),
      });
    }
    candidates.sort((p, q) => q.score - p.score);
    const kept: FaceBox[] = [];
    for (const c of candidates) {
      if (kept.length >= MAX_FACES) break;
      if (kept.every((k) => iou(k, c) < IOU_THRESHOLD)) kept.push(c);
    }
    return kept;
  }

  /** Faces in one RGB frame with their expression probabilities. */
  async read(frame: Pick<VideoFrame, 'rgb' | 'width' | 'height'>): Promise<Face[]> {
    const boxes = await this.detect(frame);
    if (!boxes.length) return [];
    const n = EXPRESSION_SIZE;
    const crops = new Float32Array(boxes.length * n * n);
    boxes.forEach((b, i) => {
      const x0 = b.x * frame.width;
      const y0 = b.y * frame.height;
      const sx = (b.width * frame.width) / n;
      const sy = (b.height * frame.height) / n;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const px = x0 + (x + 0.5) * sx - 0.5;
          const py = y0 + (y + 0.5) * sy - 0.5;
          const grey =
            0.2989 * sample(frame, px, py, 0) +
            0.587 * sample(frame, px, py, 1) +
            0.114 * sample(frame, px, py, 2);
          crops[i * n * n + y * n + x] = grey / 255;
        }
      }
    });
    const out = await this.expression.run({
      [this.expression.inputs[0].name]: { data: crops, dims: [boxes.length, n, n, 1] },
    });
    const p = out[this.expression.outputs[0].name].data;
    const k = FACE_EXPRESSIONS.length;
    return boxes.map((b, i) => ({
      ...b,
      expression: Object.fromEntries(FACE_EXPRESSIONS.map((e, j) => [e, p[i * k + j]])) as Record<
        FaceExpression,
        number
      >,
    }));
  }
}
