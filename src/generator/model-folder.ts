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

/** Parse and check a manifest; every problem names the field. */
export function checkManifest(dir: string, m: unknown): ModelManifest {
  if (typeof m !== 'object' || m === null) fail(dir, 'manifest.json is not a JSON object');
  const o = m as Record<string, unknown>;
  if (o.format !== 'filmscore-model')
    fail(dir, `"format" is ${JSON.stringify(o.format)}, not "filmscore-model"`);
  if (!MANIFEST_VERSIONS.includes(o.version as 1)) {
    fail(
      dir,
      `manifest version ${JSON.stringify(o.version)} is not one this runtime reads (${MANIFEST_VERSIONS.join(', ')}); update filmscore or re-export the model`,
    );
  }
  const num = (path: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(dir, `"${path}" must be a number`);
  };
  const mel = o.mel as Record<string, unknown> | undefined;
  if (!mel) fail(dir, '"mel" is missing');
  for (const k of ['nFft', 'hopLength', 'nMels', 'fMin', 'fMax', 'logFloor', 'mean', 'std'])
    num(`mel.${k}`, mel[k]);
  num('sampleRate', o.sampleRate);
  num('frames', o.frames);
  if (o.contentFrames !== undefined) {
    num('contentFrames', o.contentFrames);
    if ((o.contentFrames as number) < 1 || (o.contentFrames as number) > (o.frames as number))
      fail(dir, '"contentFrames" must be from 1 to "frames"');
  }
  const latent = o.latent as Record<string, unknown> | undefined;
  if (!latent) fail(dir, '"latent" is missing');
  for (const k of ['channels', 'frames', 'scale']) num(`latent.${k}`, latent[k]);
  const schedule = o.schedule as Record<string, unknown> | undefined;
  if (schedule?.kind !== 'scaled_linear') fail(dir, `"schedule.kind" must be "scaled_linear"`);
  if (schedule.prediction !== 'epsilon') fail(dir, `"schedule.prediction" must be "epsilon"`);
  for (const k of ['steps', 'beta_start', 'beta_end']) num(`schedule.${k}`, schedule[k]);
  const condition = o.condition as Record<string, unknown> | undefined;
  if (condition?.kind !== 'affect' && condition?.kind !== 'film') {
    fail(dir, '"condition.kind" must be "affect" or "film"');
  }
  const response = condition.response as Record<string, unknown> | undefined;
  for (const [name, curve] of Object.entries(response ?? {})) {
    if (!isResponseCurve(curve)) {
      fail(
        dir,
        `"condition.response.${name}" must hold ascending "inputs" and non-decreasing "outputs" of one length (run filmscore calibrate again)`,
      );
    }
  }
  if (condition.kind === 'film') {
    const b = condition.branches as Record<string, unknown> | undefined;
    for (const k of ['semantic', 'aesthetic', 'emotion']) num(`condition.branches.${k}`, b?.[k]);
  }
  const names = condition.names;
  if (
    !Array.isArray(names) ||
    !names.every((n) => (AFFECT_NAMES as readonly string[]).includes(n))
  ) {
    fail(dir, `"condition.names" must list affect descriptors (${AFFECT_NAMES.join(', ')})`);
  }
  const files = o.files as Record<string, unknown> | undefined;
  for (const k of ['unet', 'vaeDecoder', 'vocoder']) {
    if (typeof files?.[k] !== 'string') fail(dir, `"files.${k}" must name an ONNX file`);
  }
  if (o.version === 2) {
    const control = o.control as Record<string, unknown> | undefined;
    if (typeof files?.control !== 'string') fail(dir, '"files.control" must name an ONNX file');
    const residuals = control?.residuals;
    if (!Array.isArray(residuals) || residuals.length === 0) {
      fail(dir, '"control.residuals" must list the residuals the branch gives the UNet');
    }
    for (const [i, r] of (residuals as Record<string, unknown>[]).entries()) {
      if (typeof r.name !== 'string') fail(dir, `"control.residuals[${i}].name" must be a string`);
      num(`control.residuals[${i}].channels`, r.channels);
      num(`control.residuals[${i}].frames`, r.frames);
    }
    const controls = control?.controls as Record<string, Record<string, unknown>> | undefined;
    num('control.controls.melody.channels', controls?.melody?.channels);
    for (const k of ['channels', 'mean', 'std', 'clip'])
      num(`control.controls.dynamics.${k}`, controls?.dynamics?.[k]);
  }
  const defaults = o.defaults as Record<string, unknown> | undefined;
  if (!defaults) fail(dir, '"defaults" is missing');
  num('defaults.steps', defaults.steps);
  num('defaults.guidance', defaults.guidance);
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
