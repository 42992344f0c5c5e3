import { CONTROL_NAMES, parseControls } from '../conditions/style-controls.js';
import type { GeneratorModel } from '../generator/model-folder.js';
import { readStyle } from '../score/style-reference.js';
import { numberIn, seconds } from './arguments.js';

/** The S-Control options `score` and `transfer` share. */
export interface StyleCommandOptions {
  styleStart?: string;
  controls?: string;
  controlScale?: string;
  /** commander's --no-control-guidance: false when given. */
  controlGuidance?: boolean;
  /** commander's --no-dynamics-ride: false when given. */
  dynamicsRide?: boolean;
}

/**
 * The style reference a command was given (--style-from / transfer's argument), its options
 * parsed and the piece read by the library's `readStyle`.
 */
export function readStyleReference(
  model: GeneratorModel,
  reference: string,
  opts: StyleCommandOptions,
): ReturnType<typeof readStyle> {
  const controls = opts.controls ? parseControls(opts.controls) : [...CONTROL_NAMES];
  const scale = numberIn('--control-scale', opts.controlScale, 1, 0, 5);
  const startS = seconds('--style-start', opts.styleStart) ?? 0;
  return readStyle(model, reference, {
    controls,
    scale,
    guided: opts.controlGuidance !== false,
    ride: opts.dynamicsRide !== false,
    startS,
    startName: '--style-start',
  });
}

/** Commander's options for the style reference (shared by `score` and `transfer`). */
export const STYLE_OPTION_HELP = {
  styleStart: 'where in the reference to start (s), default 0',
  controls:
    'what to carry over from the reference: melody, dynamics or both (default melody,dynamics)',
  controlScale: 'strength of the carried-over controls, 0 (none) … 1 (as trained) … 5',
  noDynamicsRide:
    "leave the score's level as the networks made it instead of riding it to the reference's dynamics curve",
  noControlGuidance:
    'leave the controls out of classifier-free guidance (guidance then acts on the mood alone): the reference is followed far more loosely',
} as const;
