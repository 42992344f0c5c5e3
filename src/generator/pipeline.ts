import { guide } from '../sampler/guidance.js';
import { makeScheduler, type SchedulerName } from '../sampler/index.js';
import { GaussianNoise } from '../sampler/noise.js';
import { alphasCumprod } from '../sampler/schedule.js';
import { LatentPaster, matchColour, type KnownLatent } from '../sampler/inpaint.js';
import { contentFrames, loadControlBranch, type GeneratorModel } from './model-folder.js';
import type { FloatTensor } from '../onnx/model.js';
import { NO_PITCH, type StyleControls } from '../conditions/style-controls.js';
import { UsageError } from '../util/errors.js';
import { rideDynamics } from '../decoder/dynamics-ride.js';
import { defaultVocoderName, modelVocoder, type Vocoder } from '../decoder/vocoders.js';

/** One generation window's request. */
export interface GenerateOptions {
  /** Condition values in the model's scale and order (manifest.condition.names); a track of
   * them that changes within the window; null = none. */
  condition: Float32Array | ConditionTrack | null;
  seed: number;
  steps: number;
  /** Classifier-free guidance scale on the film condition (1 = plain conditional model). */
  guidance: number;
  scheduler: SchedulerName;
  /** Called after each denoising step (for progress). */
  onStep?: (done: number, total: number) => void;
  /** Mel → waveform (default: the vocoder the model folder's manifest names). */
  vocoder?: Vocoder;
  /** The film encoder's branches, for a model trained on (video, music) pairs. */
  film?: FilmBranchValues;
  /** S-Control: a reference's melody and/or dynamics for this window (manifest.frames long);
   * needs a model with a control branch (manifest version 2). */
  controls?: StyleControls;
  /** Scale of the control branch's residuals (1 = as trained; 0 = the base model). */
  controlScale?: number;
  /**
   * Whether classifier-free guidance carries the controls with the film condition (default
   * true): the branch runs on both rows, the unconditional row with its controls dropped (keep
   * flags 0, as the branch was trained to take "no control"), so guidance's difference holds
   * what the controls change and amplifies it as it does the film's. false: both rows take the
   * controls, which then cancel out of guidance's difference and act at the branch's own
   * strength (session 10's branch kept 18 % of a reference's melody that way). Why not the
   * branch in the conditional row alone (session 11's way, half the branch's cost): guidance
   * then amplifies the branch's whole output, its offset with no control included, and some
   * samples blew up (1 in 20 test clips, 1 in 6 outside crops: waveforms peaking at 10⁷); with
   * "no control" as the unconditional row's null none did, and melody rose from 58.6 % to
   * 66.5 % (BENCHMARKS, "S-Control: guidance against the branch's own null").
   */
  controlGuidance?: boolean;
  /**
   * With a dynamics control: ride the output's level to the reference's dynamics curve
   * (decoder/dynamics-ride.ts) by min(1, controlScale) of the difference. Default true.
   */
  dynamicsRide?: boolean;
  /** Latent frames fixed in advance (continuation, loops): the rest is sampled around them. */
  known?: KnownLatent;
  /** Stops the generation between steps (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Told when what is left of the window runs on one core (the vocoder's DSP, 0.1 s of a
   * 10.24 s window): a caller may start work of its own on the others. */
  onOneCore?: () => void;
}

/**
 * A condition that changes within the window (a film's shots): `values[k]` (each in the
 * model's scale and order) holds over the latent frames where `weights[k × frames + f]` is 1
 * and is blended where it falls between; the weights sum to 1 at every frame. Each value takes
 * a row of the UNet's batch, and each frame's noise prediction is the rows' weighted sum
 * before guidance, as MultiDiffusion (Bar-Tal et al. 2023) fuses regions' predictions: the
 * model, trained on one condition per clip, is asked for each stretch's music and the
 * predictions are joined where the condition changes, so a new section can begin at a cut
 * inside a window instead of only between windows.
 */
export interface ConditionTrack {
  values: Float32Array[];
  weights: Float32Array;
}

/** The condition rows of a generation and, for a track, their per-frame weights. */
function conditionRows(
  condition: GenerateOptions['condition'],
  width: number,
  frames: number,
): { rows: Float32Array[]; weights: Float32Array | null } {
  if (condition === null) return { rows: [], weights: null };
  if (condition instanceof Float32Array) return { rows: [condition], weights: null };
  const { values, weights } = condition;
  if (values.length === 0) throw new UsageError('a condition track needs at least one value');
  for (const v of values) {
    if (v.length !== width) {
      throw new UsageError(
        `a condition track's value has ${v.length} numbers; the model takes ${width}`,
      );
    }
  }
  if (weights.length !== values.length * frames) {
    throw new UsageError(
      `a condition track of ${values.length} values needs ${values.length} × ${frames} weights, not ${weights.length}`,
    );
  }
  return { rows: values, weights: values.length > 1 ? weights : null };
}

export interface FilmBranchValues {
  semantic: Float32Array;
  aesthetic: Float32Array;
  emotion: Float32Array;
}

/** The first K rows' noise predictions joined frame by frame by their track weights. */
function fuseRows(
  noise: Float32Array,
  weights: Float32Array,
  K: number,
  channels: number,
  frames: number,
): Float32Array {
  const size = channels * frames;
  const out = new Float32Array(size);
  for (let r = 0; r < K; r++) {
    const row = noise.subarray(r * size, (r + 1) * size);
    const w = weights.subarray(r * frames, (r + 1) * frames);
    for (let ch = 0; ch < channels; ch++) {
      const o = ch * frames;
      for (let f = 0; f < frames; f++) out[o + f] += w[f] * row[o + f];
    }
  }
  return out;
}

/** The branch feeds of a 'film' model, checked against the widths it was trained with. */
function filmFeeds(model: GeneratorModel, film: FilmBranchValues | undefined, batch: number) {
  const widths = model.manifest.condition.branches;
  if (model.manifest.condition.kind !== 'film' || !widths) return {};
  if (!film) {
    throw new UsageError(
      `${model.dir} was trained on (video, music) pairs and needs the film encoder's branches; score a video with it`,
    );
  }
  const feeds: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const k of ['semantic', 'aesthetic', 'emotion'] as const) {
    if (film[k].length !== widths[k]) {
      throw new UsageError(
        `${model.dir} was trained with a ${widths[k]}-value ${k} branch, but the film encoder gave ${film[k].length} values${k === 'semantic' ? ' (use the same --semantic-model it was trained with)' : ''}`,
      );
    }
    const data = new Float32Array(batch * widths[k]);
    for (let b = 0; b < batch; b++) data.set(film[k], b * widths[k]);
    feeds[k] = { data, dims: [batch, widths[k]] };
  }
  return feeds;
}

/**
 * The branch's control inputs for `batch` rows, the same controls in each; the first `keepRows`
 * rows keep them, the rest have them dropped (keep flags 0: the branch's "no control").
 */
function controlFeeds(
  model: GeneratorModel,
  controls: StyleControls,
  batch: number,
  keepRows = batch,
) {
  const T = model.manifest.frames;
  for (const [k, v] of Object.entries(controls) as [string, ArrayLike<number> | undefined][]) {
    if (v && v.length !== T) {
      throw new UsageError(`the ${k} control has ${v.length} frames; a window takes ${T}`);
    }
  }
  const melody = new Float32Array(batch * 12 * T);
  const dynamics = new Float32Array(batch * T);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const pc = controls.melody?.[t] ?? NO_PITCH;
      if (pc < 12) melody[(b * 12 + pc) * T + t] = 1;
      if (controls.dynamics) dynamics[b * T + t] = controls.dynamics[t];
    }
  }
  const flag = (on: boolean) => {
    const data = new Float32Array(batch);
    if (on) data.fill(1, 0, keepRows);
    return { data, dims: [batch] };
  };
  return {
    melody: { data: melody, dims: [batch, 12, T] },
    dynamics: { data: dynamics, dims: [batch, 1, T] },
    melody_keep: flag(controls.melody !== undefined),
    dynamics_keep: flag(controls.dynamics !== undefined),
  };
}

export interface Generation {
  /** Log-mel, [nMels × frames] row-major by mel band (the front end's own units). */
  mel: Float32Array;
  melFrames: number;
  /** Mono waveform at `sampleRate`, frames × hop samples long. */
  audio: Float32Array;
  /** Its first contentFrames × hop samples (a view): the music, without the learnt padding. */
  music: Float32Array;
  sampleRate: number;
  /** The final latent, [channels × frames] (what a continuation takes as known). */
  latent: Float32Array;
}

/**
 * The generator as the paper draws it: noise → (UNet + scheduler, guided by c_film) × steps →
 * latent → VAE decoder → mel → vocoder → waveform. Every network is an ONNX session of the
 * model folder; the scheduler sees only noise predictions.
 */
export async function generate(model: GeneratorModel, opts: GenerateOptions): Promise<Generation> {
  const m = model.manifest;
  const { channels, frames } = m.latent;
  const size = channels * frames;
  const scheduler = makeScheduler(opts.scheduler, m.schedule, opts.steps);
  const x = new GaussianNoise(opts.seed).fill(size);
  const k = m.condition.names.length;
  // Rows 0 … K−1: the condition (each value of a track; the null condition when there is
  // none); row K: unconditional.
  const { rows, weights } = conditionRows(opts.condition, k, frames);
  const K = Math.max(1, rows.length);
  const guided = rows.length > 0 && opts.guidance !== 1;
  const batch = K + (guided ? 1 : 0);
  const affect = new Float32Array(batch * k);
  rows.forEach((row, b) => affect.set(row.subarray(0, k), b * k));
  const keep = Float32Array.from({ length: batch }, (_, b) => (b < rows.length ? 1 : 0));
  const latentIn = new Float32Array(batch * size);
  const branches = filmFeeds(model, opts.film, batch);
  // A version-2 UNet takes the control branch's residuals; zeros are exactly the base model.
  const residualSpecs = m.control?.residuals ?? [];
  const zeroResiduals: Record<string, FloatTensor> = Object.fromEntries(
    residualSpecs.map((r) => [
      r.name,
      {
        data: new Float32Array(batch * r.channels * r.frames),
        dims: [batch, r.channels, r.frames],
      },
    ]),
  );
  const useControl =
    opts.controls !== undefined &&
    (opts.controls.melody !== undefined || opts.controls.dynamics !== undefined) &&
    (opts.controlScale ?? 1) !== 0;
  const branch = useControl ? await loadControlBranch(model) : null;
  // Guided controls: the unconditional row takes the branch with no control (its null).
  const controlGuided = guided && opts.controlGuidance !== false;
  const controls = useControl
    ? controlFeeds(model, opts.controls!, batch, controlGuided ? K : batch)
    : null;
  const total = scheduler.timesteps.length;
  const abar = alphasCumprod(m.schedule);
  const paster = opts.known ? new LatentPaster(opts.known, channels, opts.seed) : null;
  paster?.paste(x, abar[scheduler.timesteps[0]]);
  for (let i = 0; i < total; i++) {
    opts.signal?.throwIfAborted();
    for (let b = 0; b < batch; b++) latentIn.set(x, b * size);
    const t = scheduler.timesteps[i];
    const shared = {
      latent: { data: latentIn, dims: [batch, channels, frames] },
      timestep: { data: new Float32Array(batch).fill(t), dims: [batch] },
      affect: { data: affect, dims: [batch, k] },
      keep: { data: keep, dims: [batch] },
    };
    let residuals = zeroResiduals;
    if (branch && controls) {
      const r = await branch.run({ ...shared, ...controls });
      const scale = opts.controlScale ?? 1;
      if (scale !== 1) {
        for (const spec of residualSpecs) {
          const v = r[spec.name].data;
          for (let j = 0; j < v.length; j++) v[j] *= scale;
        }
      }
      residuals = Object.fromEntries(residualSpecs.map((spec) => [spec.name, r[spec.name]]));
    }
    const out = await model.unet.run({ ...shared, ...branches, ...residuals });
    const noise = out.noise.data;
    const cond = weights ? fuseRows(noise, weights, K, channels, frames) : noise.slice(0, size);
    const eps = guided
      ? guide(cond, noise.subarray(K * size, (K + 1) * size), opts.guidance)
      : cond;
    scheduler.step(i, eps, x);
    paster?.paste(x, i + 1 < total ? abar[scheduler.timesteps[i + 1]] : 1);
    opts.onStep?.(i + 1, total);
  }
  if (opts.known?.match) matchColour(x, opts.known.known, channels, opts.known.match);
  const mel = (await model.vaeDecoder.run({ latent: { data: x, dims: [1, channels, frames] } }))
    .mel;
  const melFrames = mel.dims[2];
  const vocoder = opts.vocoder ?? modelVocoder(model, defaultVocoderName(model.manifest));
  let audio = await vocoder(mel.data, melFrames, opts.onOneCore);
  const musicLength = Math.min(audio.length, contentFrames(m) * m.mel.hopLength);
  if (useControl && opts.controls?.dynamics && opts.dynamicsRide !== false) {
    audio = rideDynamics(audio, opts.controls.dynamics, {
      amount: opts.controlScale ?? 1,
      span: musicLength,
    });
  }
  const music = audio.subarray(0, musicLength);
  return { mel: mel.data, melFrames, audio, music, sampleRate: m.sampleRate, latent: x };
}
