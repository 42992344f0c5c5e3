/**
 * The audio models behind FAD, KL and IS, pluggable (evaluation issue, item 2). Each one turns
 * 16 kHz mono audio into embeddings (the samples a Fréchet distance fits its Gaussian to) and,
 * if it is a classifier, class logits (what KL and IS read, as audioldm_eval does).
 *
 * - `mfcc-stats`: no weights; MFCC means and spreads (embedding.ts).
 * - `filmscore-style` (the default): the project's own embedding + style classifier, trained on
 *   the built-in corpus by training/train_style_classifier.py and shipped in models/eval.
 * - `vggish:FILE.onnx`: a user's VGGish export; input [N, 96, 64] or [N, 1, 96, 64] examples
 *   (front-ends.ts), first output the embedding; one sample per 0.96 s example (Google's FAD).
 * - `pann:FILE.onnx`: a user's PANN (e.g. Cnn14_16k) export; input the waveform [1, samples],
 *   or its log-mel [1, T, 64] / [1, 1, T, 64]; outputs `clipwise_output` (sigmoid
 *   probabilities, or `logits`) and `embedding`; one sample per clip.
 *
 * Figures from different models are never comparable; the report names the model it used.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logMelBandMajor } from '../../features/mel.js';
import { OnnxModel, type FloatTensor, type ValueInfo } from '../../onnx/model.js';
import { UsageError } from '../../util/errors.js';
import { MFCC_STATS, mfccStats } from '../embedding.js';
import { pannLogMel, vggishExamples } from './front-ends.js';

export interface AudioDescription {
  /** One or more embedding samples for this clip. */
  embeddings: Float64Array[];
  /** Class logits (softmax or sigmoid recovers the probabilities); null if not a classifier. */
  logits: Float64Array | null;
}

export interface AudioModel {
  readonly name: string;
  /** How the classifier's outputs are read: one class per clip, or independent tags. */
  readonly classifier: 'softmax' | 'sigmoid' | null;
  readonly classes: readonly string[] | null;
  /** What its figures may be compared with. */
  readonly note: string;
  describe(x16k: Float32Array): Promise<AudioDescription>;
  dispose(): Promise<void>;
}

export const DEFAULT_STYLE_MODEL = fileURLToPath(
  new URL('../../../../models/eval/filmscore-style.json', import.meta.url),
);

export const AUDIO_MODEL_KINDS = ['filmscore-style', 'mfcc-stats', 'vggish', 'pann'] as const;

const f64 = (t: FloatTensor, row: number, width: number): Float64Array =>
  Float64Array.from(t.data.subarray(row * width, (row + 1) * width));
const lastDim = (t: FloatTensor): number => t.dims[t.dims.length - 1];

function mfccModel(): AudioModel {
  return {
    name: MFCC_STATS.name,
    classifier: null,
    classes: null,
    note: 'MFCC statistics: no weights, comparable only with other mfcc-stats figures',
    describe: async (x) => ({ embeddings: [mfccStats(x)], logits: null }),
    dispose: async () => {},
  };
}

interface StyleMeta {
  kind: string;
  model: string;
  classes: string[];
  comparable?: string;
}

async function styleModel(metaPath: string): Promise<AudioModel> {
  let meta: StyleMeta;
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8')) as StyleMeta;
  } catch (err) {
    throw new UsageError(
      `${metaPath}: cannot read the style model's description (${(err as Error).message}). ` +
        'Train one with training/train_style_classifier.py --export DIR, or use --audio-model mfcc-stats.',
    );
  }
  if (meta.kind !== 'filmscore-style' || !Array.isArray(meta.classes) || !meta.model) {
    throw new UsageError(
      `${metaPath} is not a filmscore-style model description (kind, model, classes).`,
    );
  }
  const onnx = await OnnxModel.load(join(dirname(metaPath), meta.model), 'style embedding');
  return {
    name: 'filmscore-style',
    classifier: 'softmax',
    classes: meta.classes,
    note:
      meta.comparable ?? 'the project’s own embedding; not comparable with VGGish or PANN figures',
    async describe(x) {
      const { data, frames } = logMelBandMajor(x);
      if (frames < 16) return { embeddings: [], logits: null };
      const out = await onnx.run({ mel: { data, dims: [1, 64, frames] } });
      const p = out.probabilities;
      return {
        embeddings: [f64(out.embedding, 0, lastDim(out.embedding))],
        // log p: softmax(log p) = p, so the logit-based scores read the probabilities back.
        logits: Float64Array.from(p.data, (v) => Math.log(Math.max(v, 1e-30))),
      };
    },
    dispose: () => onnx.dispose(),
  };
}

function onlyInput(onnx: OnnxModel, ranks: number[], what: string): ValueInfo {
  const input = onnx.inputs[0];
  if (onnx.inputs.length !== 1 || !ranks.includes(input.shape.length)) {
    throw new UsageError(
      `${onnx.path}: a ${what} export should take one input of rank ${ranks.join(' or ')}; ` +
        `it takes ${onnx.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}`,
    );
  }
  return input;
}

async function vggishModel(path: string): Promise<AudioModel> {
  const onnx = await OnnxModel.load(path, 'VGGish embedding');
  const input = onlyInput(onnx, [3, 4], 'VGGish');
  return {
    name: 'vggish',
    classifier: null,
    classes: null,
    note: 'VGGish (user export): FAD comparable with VGGish FADs computed with the same export',
    async describe(x) {
      const ex = vggishExamples(x);
      if (!ex.count) return { embeddings: [], logits: null };
      const dims =
        input.shape.length === 4
          ? [ex.count, 1, ex.frames, ex.bands]
          : [ex.count, ex.frames, ex.bands];
      const out = await onnx.run({ [input.name]: { data: ex.data, dims } });
      const e = out[onnx.outputs[0].name];
      const width = e.data.length / ex.count;
      return {
        embeddings: Array.from({ length: ex.count }, (_, i) => f64(e, i, width)),
        logits: null,
      };
    },
    dispose: () => onnx.dispose(),
  };
}

async function pannModel(path: string): Promise<AudioModel> {
  const onnx = await OnnxModel.load(path, 'PANN classifier');
  const input = onlyInput(onnx, [2, 3, 4], 'PANN');
  const names = onnx.outputs.map((o) => o.name);
  const logitsName = names.find((n) => n === 'logits');
  const probName = names.find((n) => n.includes('clipwise')) ?? (logitsName ? undefined : names[0]);
  const embName =
    names.find((n) => n.includes('embedding')) ??
    names.find((n) => n !== probName && n !== logitsName);
  if (!embName || (!probName && !logitsName)) {
    throw new UsageError(
      `${path}: a PANN export should give "clipwise_output" (or "logits") and "embedding"; it gives ${names.join(', ')}`,
    );
  }
  return {
    name: 'pann',
    classifier: 'sigmoid',
    classes: null,
    note: 'PANN (user export): comparable with audioldm_eval figures computed with the same export',
    async describe(x) {
      let feed: FloatTensor;
      if (input.shape.length === 2) feed = { data: x, dims: [1, x.length] };
      else {
        const m = pannLogMel(x);
        feed = {
          data: m.data,
          dims: input.shape.length === 4 ? [1, 1, m.frames, m.bands] : [1, m.frames, m.bands],
        };
      }
      const out = await onnx.run({ [input.name]: feed });
      const logits = logitsName
        ? f64(out[logitsName], 0, lastDim(out[logitsName]))
        : // PANN gives sigmoid probabilities; ln(p / (1 − p)) gives the logits back.
          Float64Array.from(out[probName!].data, (p) => {
            const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
            return Math.log(q / (1 - q));
          });
      return { embeddings: [f64(out[embName], 0, lastDim(out[embName]))], logits };
    },
    dispose: () => onnx.dispose(),
  };
}

/**
 * An audio model from its spec: `filmscore-style` (the bundled one), `filmscore-style:FILE.json`,
 * `mfcc-stats`, `vggish:FILE.onnx` or `pann:FILE.onnx`.
 */
export async function loadAudioModel(spec = 'filmscore-style'): Promise<AudioModel> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const file = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'mfcc-stats':
      return mfccModel();
    case 'filmscore-style':
      return styleModel(file || DEFAULT_STYLE_MODEL);
    case 'vggish':
    case 'pann':
      if (!file)
        throw new UsageError(`--audio-model ${kind} needs its ONNX file: ${kind}:PATH.onnx`);
      return kind === 'vggish' ? vggishModel(file) : pannModel(file);
    default:
      throw new UsageError(
        `--audio-model ${spec}: unknown audio model. Use one of: filmscore-style, mfcc-stats, vggish:FILE.onnx, pann:FILE.onnx`,
      );
  }
}
