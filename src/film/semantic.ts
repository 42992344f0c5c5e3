import { OnnxModel, type FloatTensor } from '../onnx/model.js';
import type { MediaInfo } from '../media/probe.js';
import { videoFrames, type VideoFrame } from '../media/video-frames.js';
import { frameStats, type FrameStats } from './frame-stats.js';

/**
 * The semantic branch (HPM §1: CLIP image features of frames at 10 fps, averaged over time).
 *
 * With `--semantic-model <image-encoder.onnx>` (e.g. the image tower of CLIP ViT-B/32 exported
 * by the user) frames are resized and centre-cropped to 224 × 224, normalised with CLIP's mean
 * and standard deviation, fed as float32 [N, 3, 224, 224] (N frames at a time), and the
 * model's [N, D] outputs are averaged over the clip.
 *
 * Without a model (the offline default) the branch is honest about being no CLIP: an 85-d
 * vector of scene statistics averaged over the frames — a 4 × 4 × 4 colour histogram (64),
 * a 4 × 4 luma layout (16), and brightness, contrast, colourfulness, saturation, warmth (5).
 * It carries the palette, light and composition of a scene, which is what the affect space
 * needs from it; object and face signals are future work.
 */
export const CLIP_INPUT = Object.freeze({
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
});

export interface SemanticEmbedding {
  /** 'onnx:<file>' or 'scene-statistics'. */
  source: string;
  vector: Float32Array;
  frames: number;
}

/** RGB frames (224 × 224) → CLIP-normalised float32 [N, 3, 224, 224]. */
export function clipPixels(
  frames: readonly Pick<VideoFrame, 'rgb' | 'width' | 'height'>[],
): FloatTensor {
  const { size, mean, std } = CLIP_INPUT;
  const plane = size * size;
  const data = new Float32Array(frames.length * 3 * plane);
  frames.forEach((f, n) => {
    if (f.width !== size || f.height !== size)
      throw new RangeError(`CLIP input must be ${size}×${size}`);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++)
        data[(n * 3 + c) * plane + p] = (f.rgb[3 * p + c] / 255 - mean[c]) / std[c];
    }
  });
  return { data, dims: [frames.length, 3, size, size] };
}

/** The offline default's scene-statistics vector of one frame (85 values). */
export function sceneStatistics(f: Pick<VideoFrame, 'rgb' | 'width' | 'height'>): Float32Array {
  return sceneStatisticsOf(frameStats(f), f.width, f.height);
}

/** The same from a frame's statistics already computed (the film analysis has them). */
export function sceneStatisticsOf(s: FrameStats, width: number, height: number): Float32Array {
  const hist = new Float32Array(64);
  for (let i = 0; i < s.histogram.length; i++) {
    // Fold the 8 × 8 × 8 histogram to 4 × 4 × 4.
    const r = i >> 6;
    const g = (i >> 3) & 7;
    const b = i & 7;
    hist[(r >> 1) * 16 + (g >> 1) * 4 + (b >> 1)] += s.histogram[i];
  }
  const layout = new Float32Array(16);
  const tw = Math.max(1, width >> 2);
  const th = Math.max(1, height >> 2);
  const counts = new Float32Array(16);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const cell =
        Math.min(3, Math.floor((4 * y) / th)) * 4 + Math.min(3, Math.floor((4 * x) / tw));
      layout[cell] += s.thumbnail[y * tw + x];
      counts[cell]++;
    }
  }
  for (let i = 0; i < 16; i++) layout[i] /= Math.max(1, counts[i]);
  return Float32Array.from([
    ...hist,
    ...layout,
    s.brightness,
    s.contrast,
    s.colourfulness,
    s.saturation,
    s.warmth,
  ]);
}

/** Mean of the scene-statistics vectors of a clip's frames. */
export class SceneStatisticsMean {
  private sum = new Float64Array(85);
  private count = 0;
  add(v: Float32Array): void {
    for (let i = 0; i < v.length; i++) this.sum[i] += v[i];
    this.count++;
  }
  result(): SemanticEmbedding {
    const n = Math.max(1, this.count);
    return {
      source: 'scene-statistics',
      vector: Float32Array.from(this.sum, (v) => v / n),
      frames: this.count,
    };
  }
}

export interface SemanticOptions {
  /** An ONNX image encoder; without it the scene-statistics default is used. */
  model?: OnnxModel;
  /** Frames per model run. */
  batch?: number;
  fps?: number;
  startS?: number;
  durationS?: number;
  info?: MediaInfo;
}

export async function semanticEmbedding(
  path: string,
  opts: SemanticOptions = {},
): Promise<SemanticEmbedding> {
  const fps = opts.fps ?? 10;
  const size = opts.model ? CLIP_INPUT.size : 112;
  let sum: Float32Array | undefined;
  let frames = 0;
  let pending: VideoFrame[] = [];
  const add = (v: ArrayLike<number>, weight: number): void => {
    sum ??= new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) sum[i] += v[i] * weight;
  };
  const flush = async (): Promise<void> => {
    if (!opts.model || pending.length === 0) return;
    const input = clipPixels(pending);
    const out = await opts.model.run({ [opts.model.inputs[0].name]: input });
    const y = out[opts.model.outputs[0].name];
    const dim = y.data.length / pending.length;
    for (let n = 0; n < pending.length; n++) add(y.data.subarray(n * dim, (n + 1) * dim), 1);
    pending = [];
  };
  for await (const f of videoFrames(path, {
    fps,
    width: size,
    height: size,
    fit: 'cover',
    startS: opts.startS,
    durationS: opts.durationS,
    info: opts.info,
  })) {
    frames++;
    if (opts.model) {
      pending.push(f);
      if (pending.length >= (opts.batch ?? 16)) await flush();
    } else {
      add(sceneStatistics(f), 1);
    }
  }
  await flush();
  const vector = sum ? Float32Array.from(sum, (v) => v / frames) : new Float32Array(0);
  return { source: opts.model ? `onnx:${opts.model.path}` : 'scene-statistics', vector, frames };
}
