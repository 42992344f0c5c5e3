import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OnnxModel, type FloatTensor } from '../onnx/model.js';
import type { Hertz, Seconds } from '../units.js';
import { UsageError } from '../util/errors.js';

/**
 * The optional vocal-removal stage (the paper ran Demucs over FilmScoreDB): a user's ONNX
 * source-separation model, run on each clip before its features are computed.
 *
 * Contract of the model (what a Demucs export gives):
 *   input   float32 [1, channels, samples] at `sampleRate`
 *   output  float32 [1, sources, channels, samples] with the sources named by `sources`
 *           (Demucs: drums, bass, other, vocals), or [1, channels, samples] = accompaniment.
 * The accompaniment is the sum of every source but `vocals`.
 */
export interface SeparatorOptions {
  model: string;
  sampleRate: Hertz;
  channels: number;
  sources: string[];
  vocals: string;
  /** Run the model on chunks this long (models exported with a fixed length need it). */
  chunkS?: Seconds;
}

export const DEMUCS_DEFAULTS: Omit<SeparatorOptions, 'model'> = {
  sampleRate: 44100,
  channels: 2,
  sources: ['drums', 'bass', 'other', 'vocals'],
  vocals: 'vocals',
};

export class VocalRemover {
  private constructor(
    readonly options: SeparatorOptions,
    /** sha256 of the model file: part of the cache's feature version. */
    readonly modelHash: string,
    private readonly model: OnnxModel,
  ) {}

  static async load(options: SeparatorOptions): Promise<VocalRemover> {
    if (!options.sources.includes(options.vocals)) {
      throw new UsageError(
        `the vocals source "${options.vocals}" is not among the sources ${options.sources.join(', ')}`,
      );
    }
    const model = await OnnxModel.load(options.model, 'source separation');
    const hash = createHash('sha256')
      .update(await readFile(options.model))
      .digest('hex')
      .slice(0, 12);
    return new VocalRemover(options, hash, model);
  }

  /** Accompaniment of planar channels at the model's rate (same shape as the input). */
  async accompaniment(channels: Float32Array[]): Promise<Float32Array[]> {
    const { channels: C } = this.options;
    if (channels.length !== C)
      throw new Error(`separator expects ${C} channels, got ${channels.length}`);
    const n = channels[0].length;
    const chunk = this.options.chunkS
      ? Math.round(this.options.chunkS * this.options.sampleRate)
      : n;
    const out = channels.map(() => new Float32Array(n));
    for (let start = 0; start < n; start += chunk) {
      const S = Math.min(chunk, n - start);
      // Fixed-length models get the last chunk zero-padded to full length.
      const len = this.options.chunkS ? chunk : S;
      const input = new Float32Array(C * len);
      channels.forEach((ch, c) => input.set(ch.subarray(start, start + S), c * len));
      const feeds = { [this.model.inputs[0].name]: { data: input, dims: [1, C, len] } };
      let result: FloatTensor;
      try {
        result = (await this.model.run(feeds))[this.model.outputs[0].name];
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(
          `the separation model rejected input [1, ${C}, ${len}]: ${(err as Error).message}. ` +
            'A model exported for a fixed length needs --separator-chunk-seconds.',
        );
      }
      const data = result.data;
      const dims = result.dims;
      if (
        dims.length === 4 &&
        dims[1] === this.options.sources.length &&
        dims[2] === C &&
        dims[3] === len
      ) {
        for (const [s, name] of this.options.sources.entries()) {
          if (name === this.options.vocals) continue;
          for (let c = 0; c < C; c++) {
            const base = (s * C + c) * len;
            for (let i = 0; i < S; i++) out[c][start + i] += data[base + i];
          }
        }
      } else if (dims.length === 3 && dims[1] === C && dims[2] === len) {
        for (let c = 0; c < C; c++) out[c].set(data.subarray(c * len, c * len + S), start);
      } else {
        throw new UsageError(
          `the separation model's output has shape [${dims.join(', ')}]; expected ` +
            `[1, ${this.options.sources.length}, ${C}, ${len}] (sources ${this.options.sources.join(', ')}) or [1, ${C}, ${len}]`,
        );
      }
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
