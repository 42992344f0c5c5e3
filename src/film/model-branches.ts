import { videoFrames } from '../media/video-frames.js';
import type { OnnxModel, FloatTensor } from '../onnx/model.js';
import { UsageError } from '../util/errors.js';
import type { AestheticScores, EmotionClass, FilmSpan } from './film-analysis.js';
import { AESTHETIC_KEYS, EMOTION_CLASSES } from './film-analysis.js';

/** ImageNet normalisation (ResNet trunks such as TAVAR's, and most video-emotion models). */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function normalise(frames: Uint8Array[], size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(frames.length * 3 * plane);
  frames.forEach((rgb, n) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        out[(n * 3 + c) * plane + p] = (rgb[3 * p + c] / 255 - IMAGENET.mean[c]) / IMAGENET.std[c];
      }
    }
  });
  return out;
}

/**
 * The aesthetic branch with a user's ONNX model (TAVAR-like): the 1 fps frames, resized and
 * centre-cropped to 224 × 224 with ImageNet normalisation, as float32 [N, 3, 224, 224]; the
 * output [N, 7] holds the six attributes and the overall score (light, colour, contrast,
 * sharpness, composition, subject emphasis, overall), each 0–1, or [N, 1] the overall score
 * alone. Averaged over the frames.
 */
export async function modelAesthetic(
  path: string,
  model: OnnxModel,
  span: FilmSpan = {},
): Promise<Partial<AestheticScores>> {
  const frames: Uint8Array[] = [];
  for await (const f of videoFrames(path, {
    fps: 1,
    width: 224,
    height: 224,
    fit: 'cover',
    ...span,
  }))
    frames.push(f.rgb);
  const input: FloatTensor = { data: normalise(frames, 224), dims: [frames.length, 3, 224, 224] };
  const y = (await model.run({ [model.inputs[0].name]: input }))[model.outputs[0].name];
  const width = y.dims[y.dims.length - 1];
  if (y.dims.length !== 2 || y.dims[0] !== frames.length || (width !== 7 && width !== 1)) {
    throw new UsageError(
      `${model.path} (aesthetic model) returned [${y.dims.join(', ')}]; expected [${frames.length}, 7] or [${frames.length}, 1]`,
    );
  }
  const mean = (k: number): number => {
    let s = 0;
    for (let n = 0; n < frames.length; n++) s += y.data[n * width + k];
    return s / frames.length;
  };
  if (width === 1) return { overall: mean(0) };
  return Object.fromEntries(
    AESTHETIC_KEYS.map((a, k) => [a, mean(k)]),
  ) as unknown as AestheticScores;
}

/**
 * The emotion branch with a user's ONNX video-emotion model (WECL-like): windows of frames at
 * 10 fps, 112 × 112, ImageNet-normalised, as float32 [1, T, 3, 112, 112] (T from the model's
 * declared shape, else 16); output [1, 6] logits in EmoMV order (exciting, fearful, tense,
 * sad, relaxing, neutral). Softmax per window, averaged over the clip.
 */
export async function modelEmotion(
  path: string,
  model: OnnxModel,
  span: FilmSpan = {},
): Promise<Record<EmotionClass, number>> {
  const declared = model.inputs[0].shape[1];
  const T = typeof declared === 'number' && declared > 0 ? declared : 16;
  const sum = new Float64Array(6);
  let windows = 0;
  let window: Uint8Array[] = [];
  const run = async (): Promise<void> => {
    while (window.length < T) window.push(window[window.length - 1]); // pad a short last window
    const input: FloatTensor = { data: normalise(window, 112), dims: [1, T, 3, 112, 112] };
    const y = (await model.run({ [model.inputs[0].name]: input }))[model.outputs[0].name];
    if (y.data.length !== 6) {
      throw new UsageError(
        `${model.path} (emotion model) returned [${y.dims.join(', ')}]; expected [1, 6] logits`,
      );
    }
    const max = Math.max(...y.data);
    const exp = Array.from(y.data, (v) => Math.exp(v - max));
    const total = exp.reduce((a, b) => a + b, 0);
    exp.forEach((e, k) => (sum[k] += e / total));
    windows++;
    window = [];
  };
  for await (const f of videoFrames(path, {
    fps: 10,
    width: 112,
    height: 112,
    fit: 'cover',
    ...span,
  })) {
    window.push(f.rgb);
    if (window.length === T) await run();
  }
  if (window.length > 0 || windows === 0) await run();
  return Object.fromEntries(EMOTION_CLASSES.map((k, i) => [k, sum[i] / windows])) as Record<
    EmotionClass,
    number
  >;
}
