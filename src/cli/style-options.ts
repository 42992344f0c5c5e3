import { decodeAudio } from '../media/audio-decode.js';
import { probe } from '../media/probe.js';
import {
  CONTROL_NAMES,
  parseControls,
  styleControlsOf,
  type ControlName,
} from '../conditions/style-controls.js';
import { loadControlBranch, type GeneratorModel } from '../generator/model-folder.js';
import type { StyleReference } from '../score/score-video.js';
import { UsageError } from '../util/errors.js';
import { numberIn, seconds } from './arguments.js';

/** The S-Control options `score` and `transfer` share. */
export interface StyleCommandOptions {
  styleStart?: string;
  controls?: string;
  controlScale?: string;
}

/**
 * The style reference a command was given, read as the branch was trained: decoded at the
 * model's rate from --style-start on, its melody and/or dynamics (--controls) per mel frame.
 * Checks the model has a control branch before anything slow happens.
 */
export async function readStyleReference(
  model: GeneratorModel,
  reference: string,
  opts: StyleCommandOptions,
): Promise<{ style: StyleReference; controls: ControlName[]; durationS: number }> {
  const controls = opts.controls ? parseControls(opts.controls) : [...CONTROL_NAMES];
  const scale = numberIn('--control-scale', opts.controlScale, 1, 0, 5);
  await loadControlBranch(model);
  const startS = seconds('--style-start', opts.styleStart) ?? 0;
  const info = await probe(reference);
  if (!info.audio) {
    throw new UsageError(
      `${reference} has no audio track: give the reference piece as an audio file or a video with sound`,
    );
  }
  if (startS >= info.audio.durationS) {
    throw new UsageError(
      `--style-start ${startS} is past the end of ${reference} (${info.audio.durationS.toFixed(2)} s long)`,
    );
  }
  const m = model.manifest;
  const decoded = await decodeAudio(reference, {
    sampleRate: m.sampleRate,
    channels: 1,
    info,
    startS,
  });
  const audio = decoded.channels[0];
  if (audio.length < m.mel.nFft) {
    throw new UsageError(
      `${reference} gives only ${(audio.length / m.sampleRate).toFixed(3)} s of sound from ${startS} s; a reference needs at least ${(m.mel.nFft / m.sampleRate).toFixed(3)} s`,
    );
  }
  return {
    style: {
      controls: styleControlsOf(audio, m.sampleRate, controls, reference),
      scale,
      originS: startS,
    },
    controls,
    durationS: audio.length / m.sampleRate,
  };
}

/** Commander's options for the style reference (shared by `score` and `transfer`). */
export const STYLE_OPTION_HELP = {
  styleStart: 'where in the reference to start (s), default 0',
  controls:
    'what to carry over from the reference: melody, dynamics or both (default melody,dynamics)',
  controlScale: 'strength of the carried-over controls, 0 (none) … 1 (as trained) … 5',
} as const;
