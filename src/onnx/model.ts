import { readFile } from 'node:fs/promises';
import type { InferenceSession } from 'onnxruntime-node';
import { UsageError } from '../util/errors.js';

/** A float32 tensor as the rest of filmscore passes them around. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export interface ValueInfo {
  name: string;
  type: string;
  /** Declared shape: numbers are fixed, strings are symbolic (free) dimensions. */
  shape: readonly (number | string)[];
}

/**
 * One ONNX model behind typed, checked runs (after transformers.js's one `runSession`): every
 * feed is checked against the model's declared inputs (name, float32, rank, fixed dimensions)
 * before it reaches ONNX Runtime, and a mismatch names the model, the input, and what was
 * expected and given. ONNX Runtime is loaded only when a model is.
 */
export class OnnxModel {
  private constructor(
    readonly path: string,
    /** What the model is for, in messages ("semantic image encoder"). */
    readonly purpose: string,
    readonly inputs: ValueInfo[],
    readonly outputs: ValueInfo[],
    private readonly session: InferenceSession,
    private readonly ort: typeof import('onnxruntime-node'),
  ) {}

  /**
   * `threads`: ONNX Runtime's intra-op threads (default: one per core). A small model run beside
   * other work (the face models, while ffmpeg decodes the film on every core) is faster on one:
   * its pool's spinning threads otherwise fight the decoder for the cores.
   * Every session's threads spin while a run lasts (between its operators) and stop the moment
   * it returns (`force_spinning_stop`): the networks run in turn (S-Control's branch and the
   * UNet at every step, then the VAE decoder, the vocoder, and single-threaded DSP beside
   * ffmpeg), and a pool still spinning after its run held the cores the next one needed.
   * Measured per 10.24 s window, 15 steps (`.diag/gen-time.mjs`, median of 12): pools spinning
   * on 406 ms; the decoder's and vocoder's not spinning at all 376 ms; every pool stopping as its
   * run returns 360 ms; with S-Control's controls 565 → 516 ms (×1.43 the plain window).
   */
  static async load(
    path: string,
    purpose: string,
    opts: { threads?: number } = {},
  ): Promise<OnnxModel> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new UsageError(`${path}: ${purpose} model is missing. Give the path of an ONNX file.`);
    }
    const ort = await import('onnxruntime-node');
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
        extra: { session: { force_spinning_stop: '1' } },
      });
    } catch (err) {
      throw new UsageError(
        `${path} is not an ONNX model ONNX Runtime can load (${purpose}): ${(err as Error).message}`,
      );
    }
    const info = (m: InferenceSession.ValueMetadata): ValueInfo =>
      m.isTensor
        ? { name: m.name, type: m.type, shape: m.shape }
        : { name: m.name, type: 'non-tensor', shape: [] };
    return new OnnxModel(
      path,
      purpose,
      session.inputMetadata.map(info),
      session.outputMetadata.map(info),
      session,
      ort,
    );
  }

  /** Check a feed against the declared inputs; a UsageError that says what differs. */
  private check(feeds: Record<string, FloatTensor>): void {
    const describe = (v: ValueInfo): string => `${v.name}: ${v.type} [${v.shape.join(', ')}]`;
    const expected = this.inputs.map(describe).join('; ');
    for (const input of this.inputs) {
      const feed = feeds[input.name];
      if (!feed) {
        throw new UsageError(
          `${this.path} (${this.purpose}) needs input "${input.name}"; the model expects ${expected}`,
        );
      }
      const fits =
        input.type === 'float32' &&
        feed.dims.length === input.shape.length &&
        input.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === feed.dims[i]);
      if (!fits) {
        throw new UsageError(
          `${this.path} (${this.purpose}): input "${input.name}" was given float32 [${feed.dims.join(', ')}], ` +
            `but the model expects ${expected}`,
        );
      }
    }
  }

  async run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>> {
    this.check(feeds);
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [k, new this.ort.Tensor('float32', v.data, v.dims)]),
    );
    const out = await this.session.run(ortFeeds);
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: [...v.dims] }]),
    );
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
