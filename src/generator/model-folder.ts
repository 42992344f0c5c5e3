import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { OnnxModel } from '../onnx/model.js';
import type { NoiseSchedule } from '../sampler/schedule.js';
import type { AffectQuantiles } from '../conditions/calibration.js';
import { isResponseCurve, type ResponseCurve } from '../conditions/response.js';
import type { AffectName } from '../conditions/affect.js';
import { AFFECT_NAMES } from '../conditions/affect.js';
import { UsageError } from '../util/errors.js';
import { VOCODERS, type VocoderName } from '../decoder/vocoders.js';
import { SCHEDULERS } from '../sampler/index.js';

/** The manifest versions this runtime reads (training/export_model.py MANIFEST_VERSION; 2 adds
 * S-Control's branch: `control`, `files.control`, and residual inputs on the UNet). */
export const MANIFEST_VERSIONS = [1, 2] as const;

/** One residual the control branch gives and the UNet takes (per batch row: channels × frames). */
export interface ResidualSpec {
  name: string;
  channels: number;
  frames: number;
}

/** S-Control's branch (training/filmscore_training/control.py), in a version-2 manifest. */
export interface ControlSpec {
  controls: {
    /** Pitch-class one-hot per mel frame (the melody control, features/melody.ts). */
    melody: { channels: number };
    /** dB per mel frame (the dynamics control, features/dynamics.ts); standardised in the graph. */
    dynamics: { channels: number; mean: number; std: number; clip: number };
  };
  residuals: ResidualSpec[];
  training?: Record<string, unknown>;
}

/** The contract between training and runtime (DESIGN.md decision 5). */
export interface ModelManifest {
  format: 'filmscore-model';
  version: number;
  sampleRate: number;
  mel: {
    nFft: number;
    hopLength: number;
    winLength: number;
    nMels: number;
    fMin: number;
    fMax: number;
    power: 1 | 2;
    logFloor: number;
    mean: number;
    std: number;
  };
  /** Mel frames of one generation window (1024 = 10.24 s at 100 frames/s). */
  frames: number;
  /** Of those, the frames of music: the training clips' length (1000 for 10 s clips); the model
   * learnt the rest as padding (near silence). Absent: all of `frames`. */
  contentFrames?: number;
  latent: { channels: number; frames: number; scale: number };
  schedule: NoiseSchedule;
  /**
   * 'affect': tokens from affect descriptors (the default model, trained on music alone);
   * 'film': also the film encoder's branches through LAFF (trained on (video, music) pairs),
   * with their widths in `branches`.
   */
  condition: {
    kind: 'affect' | 'film';
    names: AffectName[];
    quantiles?: AffectQuantiles;
    /** Measured responses (`filmscore calibrate`): the model is given the value that makes
     * the requested one (conditions/response.ts). */
    response?: Partial<Record<AffectName, ResponseCurve>>;
    branches?: { semantic: number; aesthetic: number; emotion: number };
  };
  vocoder: { kind: 'istft'; nFft: number; hopLength: number };
  files: {
    unet: string;
    vaeDecoder: string;
    vaeEncoder?: string;
    vocoder: string;
    control?: string;
  };
  /** Version 2: the melody/dynamics control branch and what it feeds the UNet. */
  control?: ControlSpec;
  /** What `filmscore score` uses unless told (the vocoder: whichever measured better). */
  defaults: {
    steps: number;
    guidance: number;
    scheduler: 'ddim' | 'dpm-solver++';
    vocoder?: VocoderName;
  };
  training?: Record<string, unknown>;
}

/** Frames of music in a generated window (`contentFrames`, else the whole window). */
export function contentFrames(m: ModelManifest): number {
  return m.contentFrames ?? m.frames;
}

/** The model shipped in the repository (models/default), used when no --model is given. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../models/default', import.meta.url));

function fail(dir: string, what: string): never {
  throw new UsageError(
    `${dir} is not a filmscore model this version can use: ${what}. A model folder holds manifest.json and the ONNX files training/export_model.py writes.`,
  );
}

/** Parse and check a manifest; every problem names the field. Every field the runtime reads
 * is checked here, so that a damaged manifest is refused at load time with its field named,
 * never met later as a crash or a blamed option. */
export function checkManifest(dir: string, m: unknown): ModelManifest {
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    fail(dir, 'manifest.json is not a JSON object');
  const o = m as Record<string, unknown>;
  if (o.format !== 'filmscore-model')
    fail(dir, `"format" is ${JSON.stringify(o.format)}, not "filmscore-model"`);
  if (!MANIFEST_VERSIONS.includes(o.version as 1)) {
    fail(
      dir,
      `manifest version ${JSON.stringify(o.version)} is not one this runtime reads (${MANIFEST_VERSIONS.join(', ')}); update filmscore or re-export the model`,
    );
  }
  const obj = (path: string, v: unknown): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      fail(dir, `"${path}" is missing or not an object`);
    return v as Record<string, unknown>;
  };
  const num = (path: string, v: unknown, min = -Infinity, max = Infinity): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(dir, `"${path}" must be a number`);
    if (v < min || v > max) fail(dir, `"${path}" is ${v}; it must be from ${min} to ${max}`);
    return v;
  };
  const int = (path: string, v: unknown, min = 1, max = Infinity): number => {
    const n = num(path, v, min, max);
    if (!Number.isInteger(n)) fail(dir, `"${path}" must be a whole number, not ${n}`);
    return n;
  };
  const positive = (path: string, v: unknown): number => {
    const n = num(path, v);
    if (!(n > 0)) fail(dir, `"${path}" must be > 0, not ${n}`);
    return n;
  };
  const sr = int('sampleRate', o.sampleRate, 1000, 384000);
  const mel = obj('mel', o.mel);
  const nFft = int('mel.nFft', mel.nFft, 16, 65536);
  int('mel.hopLength', mel.hopLength, 1, nFft);
  if (mel.winLength !== undefined) int('mel.winLength', mel.winLength, 1, nFft);
  int('mel.nMels', mel.nMels, 1, 1024);
  const fMin = num('mel.fMin', mel.fMin, 0, sr / 2);
  num('mel.fMax', mel.fMax, fMin, sr / 2);
  if (!((mel.fMax as number) > fMin)) fail(dir, '"mel.fMax" must be above "mel.fMin"');
  if (mel.power !== undefined && mel.power !== 1 && mel.power !== 2)
    fail(dir, '"mel.power" must be 1 or 2');
  positive('mel.logFloor', mel.logFloor);
  num('mel.mean', mel.mean);
  positive('mel.std', mel.std);
  const frames = int('frames', o.frames, 1, 1 << 20);
  if (o.contentFrames !== undefined) int('contentFrames', o.contentFrames, 1, frames);
  const latent = obj('latent', o.latent);
  int('latent.channels', latent.channels, 1, 4096);
  const latentFrames = int('latent.frames', latent.frames, 1, frames);
  if (frames % latentFrames !== 0)
    fail(dir, `"latent.frames" (${latentFrames}) must divide "frames" (${frames})`);
  positive('latent.scale', latent.scale);
  const schedule = obj('schedule', o.schedule);
  if (schedule.kind !== 'scaled_linear') fail(dir, `"schedule.kind" must be "scaled_linear"`);
  if (schedule.prediction !== 'epsilon') fail(dir, `"schedule.prediction" must be "epsilon"`);
  // The sampler spaces its steps over the training timesteps: at least two are needed.
  const trainSteps = int('schedule.steps', schedule.steps, 2, 100000);
  const b0 = num('schedule.beta_start', schedule.beta_start, 0, 1);
  const b1 = num('schedule.beta_end', schedule.beta_end, 0, 1);
  if (!(b0 > 0 && b1 > b0 && b1 < 1))
    fail(dir, '"schedule.beta_start" and "schedule.beta_end" must satisfy 0 < start < end < 1');
  const condition = obj('condition', o.condition);
  if (condition.kind !== 'affect' && condition.kind !== 'film') {
    fail(dir, '"condition.kind" must be "affect" or "film"');
  }
  const names = condition.names;
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    new Set(names).size !== names.length ||
    !names.every((n) => (AFFECT_NAMES as readonly string[]).includes(n))
  ) {
    fail(
      dir,
      `"condition.names" must list distinct affect descriptors, at least one (${AFFECT_NAMES.join(', ')})`,
    );
  }
  if (condition.quantiles !== undefined) {
    const quantiles = obj('condition.quantiles', condition.quantiles);
    for (const [name, table] of Object.entries(quantiles)) {
      if (
        !Array.isArray(table) ||
        table.length < 2 ||
        !table.every(
          (v, i) => typeof v === 'number' && Number.isFinite(v) && (i === 0 || v >= table[i - 1]),
        )
      ) {
        fail(
          dir,
          `"condition.quantiles.${name}" must be a non-decreasing list of at least two numbers`,
        );
      }
    }
  }
  const response = condition.response as Record<string, unknown> | undefined;
  if (response !== undefined) obj('condition.response', response);
  for (const [name, curve] of Object.entries(response ?? {})) {
    if (!isResponseCurve(curve)) {
      fail(
        dir,
        `"condition.response.${name}" must hold ascending "inputs" and non-decreasing "outputs" of one length (run filmscore calibrate again)`,
      );
    }
  }
  if (condition.kind === 'film') {
    const b = obj('condition.branches', condition.branches);
    for (const k of ['semantic', 'aesthetic', 'emotion']) int(`condition.branches.${k}`, b[k]);
  }
  const vocoder = obj('vocoder', o.vocoder);
  if (vocoder.kind !== 'istft') fail(dir, '"vocoder.kind" must be "istft"');
  const vFft = int('vocoder.nFft', vocoder.nFft, 2, 65536);
  int('vocoder.hopLength', vocoder.hopLength, 1, vFft);
  const files = obj('files', o.files);
  const fileName = (k: string): void => {
    const f = files[k];
    if (typeof f !== 'string' || f === '' || f.includes('\0'))
      fail(dir, `"files.${k}" must name an ONNX file`);
  };
  for (const k of ['unet', 'vaeDecoder', 'vocoder']) fileName(k);
  if (files.vaeEncoder !== undefined) fileName('vaeEncoder');
  if (o.version === 2) {
    const control = obj('control', o.control);
    fileName('control');
    const residuals = control.residuals;
    if (!Array.isArray(residuals) || residuals.length === 0) {
      fail(dir, '"control.residuals" must list the residuals the branch gives the UNet');
    }
    for (const [i, r] of (residuals as unknown[]).entries()) {
      const res = obj(`control.residuals[${i}]`, r);
      if (typeof res.name !== 'string')
        fail(dir, `"control.residuals[${i}].name" must be a string`);
      int(`control.residuals[${i}].channels`, res.channels);
      int(`control.residuals[${i}].frames`, res.frames);
    }
    const controls = obj('control.controls', control.controls);
    int(
      'control.controls.melody.channels',
      obj('control.controls.melody', controls.melody).channels,
    );
    const dyn = obj('control.controls.dynamics', controls.dynamics);
    int('control.controls.dynamics.channels', dyn.channels);
    num('control.controls.dynamics.mean', dyn.mean);
    positive('control.controls.dynamics.std', dyn.std);
    positive('control.controls.dynamics.clip', dyn.clip);
  }
  const defaults = obj('defaults', o.defaults);
  int('defaults.steps', defaults.steps, 1, trainSteps);
  num('defaults.guidance', defaults.guidance, 0, 30);
  if (!(SCHEDULERS as readonly unknown[]).includes(defaults.scheduler)) {
    fail(dir, `"defaults.scheduler" must be one of ${SCHEDULERS.join(', ')}`);
  }
  if (defaults.vocoder !== undefined && !VOCODERS.includes(defaults.vocoder as VocoderName)) {
    fail(dir, `"defaults.vocoder" must be one of ${VOCODERS.join(', ')}`);
  }
  return o as unknown as ModelManifest;
}

/** A loaded model folder: its manifest and one ONNX session per network. */
export interface GeneratorModel {
  dir: string;
  manifest: ModelManifest;
  unet: OnnxModel;
  vaeDecoder: OnnxModel;
  vocoder: OnnxModel;
  /** The VAE encoder, loaded by `loadVaeEncoder` only when something needs it (scoring does not). */
  vaeEncoder?: OnnxModel;
  /** S-Control's branch, loaded by `loadControlBranch` when a generation has controls. */
  control?: OnnxModel;
  dispose(): Promise<void>;
}

/** The model folder's VAE encoder (mel → latent), loaded on first use and kept. */
export async function loadVaeEncoder(model: GeneratorModel): Promise<OnnxModel> {
  if (!model.vaeEncoder) {
    const file = model.manifest.files.vaeEncoder;
    if (!file) {
      throw new UsageError(
        `${model.dir} has no VAE encoder ("files.vaeEncoder" in manifest.json); export the model again with training/export_model.py`,
      );
    }
    model.vaeEncoder = await OnnxModel.load(join(model.dir, file), 'VAE encoder');
  }
  return model.vaeEncoder;
}

/** The model folder's S-Control branch, loaded on first use and kept. */
export async function loadControlBranch(model: GeneratorModel): Promise<OnnxModel> {
  if (!model.control) {
    const file = model.manifest.files.control;
    if (!file || !model.manifest.control) {
      throw new UsageError(
        `${model.dir} has no melody/dynamics control branch (a version-2 model folder, exported with training/export_model.py --control); score without --style-from, or give --model a folder that has one`,
      );
    }
    model.control = await OnnxModel.load(join(model.dir, file), 'control branch');
  }
  return model.control;
}

export async function loadModelFolder(dir: string = DEFAULT_MODEL_DIR): Promise<GeneratorModel> {
  const root = resolve(dir);
  try {
    if (!(await stat(root)).isDirectory()) fail(root, 'it is not a folder');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${root}: model folder not found. Give --model <folder> (a folder written by training/export_model.py), or leave it out for the bundled model.`,
    );
  }
  let text: string;
  try {
    text = await readFile(join(root, 'manifest.json'), 'utf8');
  } catch {
    fail(root, 'manifest.json is missing');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(root, `manifest.json is not valid JSON (${(err as Error).message})`);
  }
  const manifest = checkManifest(root, parsed);
  const load = (file: string, purpose: string): Promise<OnnxModel> =>
    OnnxModel.load(join(root, file), purpose);
  const [unet, vaeDecoder, vocoder] = await Promise.all([
    load(manifest.files.unet, 'diffusion UNet'),
    load(manifest.files.vaeDecoder, 'VAE decoder'),
    load(manifest.files.vocoder, 'vocoder'),
  ]);
  const model: GeneratorModel = {
    dir: root,
    manifest,
    unet,
    vaeDecoder,
    vocoder,
    async dispose() {
      await Promise.all([
        unet.dispose(),
        vaeDecoder.dispose(),
        vocoder.dispose(),
        model.vaeEncoder?.dispose(),
        model.control?.dispose(),
      ]);
    },
  };
  return model;
}
