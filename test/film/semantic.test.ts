// The semantic branch: CLIP preprocessing, the ONNX plug-in (parity with PyTorch on a stand-in
// image encoder), the offline default, and clear errors for a model of the wrong shape.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIP_INPUT, clipPixels, semanticEmbedding } from '../../src/film/semantic.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { makeClip, tempDir } from '../helpers/media.js';
import { reference } from '../helpers/reference.js';

const dir = tempDir();
const encoderPath = join(dir, 'image-encoder.onnx');
reference('export_image_encoder', { path: encoderPath });
const separatorPath = join(dir, 'separator.onnx');
reference('export_separator', { path: separatorPath });

describe('semantic branch', () => {
  it('normalises pixels as CLIP does', () => {
    const size = CLIP_INPUT.size;
    const red = new Uint8Array(size * size * 3);
    for (let p = 0; p < size * size; p++) red[3 * p] = 255;
    const t = clipPixels([{ rgb: red, width: size, height: size }]);
    assert.deepEqual(t.dims, [1, 3, 224, 224]);
    const plane = size * size;
    assert.ok(Math.abs(t.data[0] - (1 - 0.48145466) / 0.26862954) < 1e-6);
    assert.ok(Math.abs(t.data[plane] - (0 - 0.4578275) / 0.26130258) < 1e-6);
    assert.ok(Math.abs(t.data[2 * plane + 5] - (0 - 0.40821073) / 0.27577711) < 1e-6);
  });

  it('runs a user ONNX image encoder like PyTorch does (parity within 1e-5)', async () => {
    const model = await OnnxModel.load(encoderPath, 'semantic image encoder');
    const size = CLIP_INPUT.size;
    const frames = [0, 1].map((k) => ({
      rgb: Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * (k + 3) + k * 17) % 256),
      width: size,
      height: size,
    }));
    const pixels = clipPixels(frames);
    const ours = (await model.run({ pixels }))['embedding'];
    const torch = reference<{ y: number[] }>(
      'run_image_encoder',
      { dims: pixels.dims },
      { pixels: pixels.data },
    );
    assert.deepEqual(ours.dims, [2, 16]);
    let worst = 0;
    ours.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - torch.y[i]))));
    assert.ok(worst < 1e-5, `ONNX Runtime vs PyTorch differ by ${worst}`);

    // Over a clip: 10 fps frames, averaged into one vector.
    const clip = makeClip(join(dir, 'clip.mp4'), {
      durationS: 2,
      video: 'testsrc2',
      size: '320x180',
    });
    const e = await semanticEmbedding(clip, { model, batch: 8 });
    assert.equal(e.frames, 20);
    assert.equal(e.vector.length, 16);
    assert.match(e.source, /^onnx:.*image-encoder\.onnx$/);
    await model.dispose();
  });

  it('without a model gives the scene-statistics vector, which tells scenes apart', async () => {
    const red = makeClip(join(dir, 'red.mp4'), { durationS: 1, video: 'color=c=red' });
    const blue = makeClip(join(dir, 'blue.mp4'), { durationS: 1, video: 'color=c=blue' });
    const r = await semanticEmbedding(red);
    const b = await semanticEmbedding(blue);
    assert.equal(r.source, 'scene-statistics');
    assert.equal(r.vector.length, 85);
    // Pure red fills the (r=3, g=0, b=0) colour bin; pure blue the (0, 0, 3) one.
    assert.ok(r.vector[3 * 16] > 0.95 && b.vector[3] > 0.95, 'colour histogram bins');
    assert.ok(r.vector[84] > 0.5 && b.vector[84] < -0.5, 'warmth');
  });

  it('a model of the wrong shape is a clear error naming what it expects', async () => {
    const wrong = await OnnxModel.load(separatorPath, 'semantic image encoder');
    const clip = join(dir, 'clip.mp4');
    await assert.rejects(
      semanticEmbedding(clip, { model: wrong }),
      /input "mix" was given float32 \[16, 3, 224, 224\], but the model expects mix: float32 \[1, 2, samples\]|needs input "mix"/,
    );
    await wrong.dispose();
    await assert.rejects(
      OnnxModel.load(join(dir, 'none.onnx'), 'semantic image encoder'),
      /missing/,
    );
  });
});
