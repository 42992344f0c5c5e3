import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { FaceReader, FACE_EXPRESSIONS, DEFAULT_FACE_MODELS } from '../../src/film/faces.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { analyzeFilm } from '../../src/film/film-analysis.js';
import {
  EMOTION_CLASSES,
  emotionFromFaces,
  emotionOf,
  FaceSummaryBuilder,
} from '../../src/film/emotion.js';
import { tempDir } from '../helpers/media.js';

const ORIGINALS = '.cache/human-models';
const ASTRONAUT = '.cache/test-footage/astronaut.png';

/** The original TF.js graph model, loaded from memory (no fetch in Node). */
async function tfjsModel(name: string): Promise<GraphModel> {
  const spec = JSON.parse(readFileSync(join(ORIGINALS, `${name}.json`), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bytes = Buffer.concat(
    spec.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(ORIGINALS, p)))),
  );
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: spec.modelTopology,
      weightSpecs: spec.weightsManifest.flatMap((g) => g.weights),
      weightData,
    }),
  );
}

/** Deterministic pseudo-random values in [0, scale). */
function noise(n: number, scale: number, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * scale;
  });
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** An image file as RGB bytes at a given size (ffmpeg scales it). */
function rgbOf(path: string, width: number, height: number, filter = ''): Uint8Array {
  return new Uint8Array(
    execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-i',
        path,
        '-vf',
        `scale=${width}:${height}${filter}`,
        '-pix_fmt',
        'rgb24',
        '-f',
        'rawvideo',
        '-',
      ],
      { maxBuffer: 1 << 26 },
    ),
  );
}

describe('shipped face models (models/faces) against the TF.js originals', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  // Tolerance: the ONNX graphs compute in float32 with convolution orders of their own, so
  // outputs may differ from TF.js by float rounding: 1e-4 of the output's largest magnitude.
  it('BlazeFace: the same [1, 896, 17] detections as human decodes them', async () => {
    const original = await tfjsModel('blazeface');
    const onnx = await OnnxModel.load(DEFAULT_FACE_MODELS.detector, 'face detector');
    const pixels = noise(256 * 256 * 3, 255);
    const outs = tf.tidy(() =>
      (
        original.execute(
          tf.sub(tf.div(tf.tensor(pixels, [1, 256, 256, 3]), 127.5), 0.5),
        ) as tf.Tensor[]
      ).map((t) => t.clone()),
    );
    const named: Record<string, Float32Array> = {};
    original.outputs.forEach(
      (o, i) => (named[o.name.split(':')[0]] = outs[i].dataSync() as Float32Array),
    );
    // human's layout: the 16 × 16 grid's 512 anchors, then the 8 × 8 grid's 384; logit, then 16.
    const expected = new Float32Array(896 * 17);
    const put = (scores: Float32Array, boxes: Float32Array, n: number, first: number): void => {
      for (let a = 0; a < n; a++) {
        expected[(first + a) * 17] = scores[a];
        expected.set(boxes.subarray(16 * a, 16 * a + 16), (first + a) * 17 + 1);
      }
    };
    put(named.Identity, named.Identity_2, 512, 0);
    put(named.Identity_1, named.Identity_3, 384, 512);
    const got = (await onnx.run({ image: { data: pixels, dims: [1, 256, 256, 3] } })).detections;
    assert.deepEqual(got.dims, [1, 896, 17]);
    let diff = 0;
    for (let i = 0; i < expected.length; i++)
      diff = Math.max(diff, Math.abs(expected[i] - got.data[i]));
    assert.ok(diff <= 1e-4 * maxAbs(expected), `max |diff| ${diff} of ${maxAbs(expected)}`);
    tf.dispose(outs);
    await onnx.dispose();
  });

  it('emotion: the same 7 probabilities for a batch of faces', async () => {
    const original = await tfjsModel('emotion');
    const onnx = await OnnxModel.load(DEFAULT_FACE_MODELS.expression, 'face expression');
    const faces = noise(3 * 64 * 64, 1, 7);
    const expected = tf.tidy(() =>
      (
        original.execute(tf.mul(tf.sub(tf.tensor(faces, [3, 64, 64, 1]), 0.5), 2)) as tf.Tensor
      ).dataSync(),
    );
    const got = (await onnx.run({ face: { data: faces, dims: [3, 64, 64, 1] } })).probabilities;
    assert.deepEqual(got.dims, [3, 7]);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - got.data[i]) < 1e-5);
    await onnx.dispose();
  });
});

describe('FaceReader', () => {
  let reader: FaceReader;
  before(async () => {
    reader = await FaceReader.load();
  });
  after(async () => {
    await reader.dispose();
  });

  // Hand-labelled on the 512 × 512 photo: the face spans x 175–275, y 60–180 px.
  const FACE = { x0: 175 / 512, x1: 275 / 512, y0: 60 / 512, y1: 180 / 512 };

  it('finds the smiling astronaut, where she is, and reads her as happy', async () => {
    const faces = await reader.read({ rgb: rgbOf(ASTRONAUT, 512, 512), width: 512, height: 512 });
    assert.equal(faces.length, 1);
    const [f] = faces;
    const cx = f.x + f.width / 2;
    const cy = f.y + f.height / 2;
    assert.ok(cx > FACE.x0 && cx < FACE.x1 && cy > FACE.y0 && cy < FACE.y1, JSON.stringify(f));
    assert.ok(f.width > 0.5 * (FACE.x1 - FACE.x0) && f.width < 1.5 * (FACE.x1 - FACE.x0));
    assert.ok(f.score > 0.8);
    const top = FACE_EXPRESSIONS.reduce((a, b) => (f.expression[a] > f.expression[b] ? a : b));
    assert.equal(top, 'happy');
    assert.ok(f.expression.happy > 0.8);
    const sum = FACE_EXPRESSIONS.reduce((s, k) => s + f.expression[k], 0);
    assert.ok(Math.abs(sum - 1) < 1e-4);
  });

  it('maps boxes back through the letterbox: a mirrored, wide frame mirrors the box', async () => {
    // 16:9 frame, photo centred with black bars, mirrored left–right.
    const [w, h] = [640, 360];
    const pad = `:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:0`;
    const plain = await reader.detect({ rgb: rgbOf(ASTRONAUT, w, h, pad), width: w, height: h });
    const mirrored = await reader.detect({
      rgb: rgbOf(ASTRONAUT, w, h, `${pad},hflip`),
      width: w,
      height: h,
    });
    assert.equal(plain.length, 1);
    assert.equal(mirrored.length, 1);
    // The photo is 360 px wide inside 640: x = (140 + 360 · x_photo) / 640.
    const cx = plain[0].x + plain[0].width / 2;
    const expected = (140 + 360 * ((FACE.x0 + FACE.x1) / 2)) / 640;
    assert.ok(Math.abs(cx - expected) < 0.03, `${cx} vs ${expected}`);
    const mcx = mirrored[0].x + mirrored[0].width / 2;
    assert.ok(Math.abs(mcx - (1 - cx)) < 0.02, `${mcx} vs ${1 - cx}`);
  });

  it('finds no face in a flat grey frame or in noise', async () => {
    const grey = new Uint8Array(256 * 144 * 3).fill(128);
    assert.equal((await reader.read({ rgb: grey, width: 256, height: 144 })).length, 0);
    const rgb = Uint8Array.from(noise(256 * 144 * 3, 256, 3), Math.floor);
    assert.equal((await reader.read({ rgb, width: 256, height: 144 })).length, 0);
  });
});

describe('emotion branch with faces', () => {
  it('maps expressions onto EmoMV classes without losing probability', () => {
    const e = {
      angry: 0.1,
      disgust: 0.05,
      fear: 0.15,
      happy: 0.3,
      sad: 0.1,
      surprise: 0.2,
      neutral: 0.1,
    };
    const m = emotionFromFaces(e, 0.25);
    assert.ok(Math.abs(EMOTION_CLASSES.reduce((s, k) => s + m[k], 0) - 1) < 1e-12);
    assert.ok(Math.abs(m.relaxing - 0.3 * 0.75) < 1e-12);
    assert.ok(Math.abs(m.exciting - (0.3 * 0.25 + 0.2 * 0.6)) < 1e-12);
    assert.ok(Math.abs(m.tense - 0.15) < 1e-12);
  });

  it('weighs faces by the share of frames that show one', () => {
    const cues = { valence: 0.3, arousal: 0.3, brightness: 0.3, pace: 0.2 };
    const sad = { angry: 0, disgust: 0, fear: 0, happy: 0, sad: 1, surprise: 0, neutral: 0 };
    const happy = { ...sad, sad: 0, happy: 1 };
    const b = new FaceSummaryBuilder();
    b.add([{ x: 0, y: 0, width: 0.2, height: 0.2, score: 1, expression: happy }]);
    b.add([]);
    const summary = b.result();
    assert.equal(summary.framesWithFaces, 1);
    assert.equal(summary.frames, 2);
    const none = emotionOf(cues, null);
    const withFaces = emotionOf(cues, summary);
    // Half the frames → weight 0.25: p = 0.75 · scene + 0.25 · faces (happy at arousal 0.3).
    assert.ok(Math.abs(withFaces.relaxing - (0.75 * none.relaxing + 0.25 * 0.7)) < 1e-12);
    assert.ok(Math.abs(withFaces.sad - 0.75 * none.sad) < 1e-12);
    assert.ok(Math.abs(EMOTION_CLASSES.reduce((s, k) => s + withFaces[k], 0) - 1) < 1e-12);
  });

  it('a smiling face in the clip moves valence and the emotion towards the positive side', async () => {
    const dir = tempDir();
    const clip = join(dir, 'astronaut.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-loop', '1', '-i', ASTRONAUT, '-t', '3', '-r', '25'],
      ...[
        '-vf',
        'scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:0,format=yuv420p',
      ],
      clip,
    ]);
    const withFaces = await analyzeFilm(clip);
    const without = await analyzeFilm(clip, { faces: null });
    assert.equal(without.faces, null);
    assert.equal(withFaces.faces?.frames, 3);
    assert.equal(withFaces.faces?.framesWithFaces, 3);
    assert.ok((withFaces.faces?.expression?.happy ?? 0) > 0.7);
    assert.ok(withFaces.levels.valence > without.levels.valence + 0.05);
    assert.ok(withFaces.affect.valence > without.affect.valence);
    const positive = (e: typeof withFaces.emotion): number => e.exciting + e.relaxing;
    assert.ok(positive(withFaces.emotion) > positive(without.emotion) + 0.2);
    // Faces touch only the emotion branch and valence: cuts, brightness and pace are the same.
    assert.deepEqual(withFaces.cuts, without.cuts);
    assert.equal(withFaces.affect.pace, without.affect.pace);
    assert.equal(withFaces.affect.brightness, without.affect.brightness);
  });
});
