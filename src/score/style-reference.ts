import { decodeAudio } from '../media/audio-decode.js';
import { probe } from '../media/probe.js';
import { CONTROL_NAMES, styleControlsOf, type ControlName } from '../conditions/style-controls.js';
import { loadControlBranch, type GeneratorModel } from '../generator/model-folder.js';
import type { Seconds } from '../units.js';
import { UsageError } from '../util/errors.js';
import type { StyleReference } from './score-video.js';

/** How a reference piece is read for S-Control. */
export interface StyleReading {
  /** Which controls to carry over (default both). */
  controls?: readonly ControlName[];
  /** Scale of the branch's residuals (default 1, as trained). */
  scale?: number;
  /** Whether guidance carries the controls with the film (default true; `generate`'s controlGuidance). */
  guided?: boolean;
  /** Whether the level is ridden to the reference's dynamics (default true; `generate`'s dynamicsRide). */
  ride?: boolean;
  /** Where in the reference to start (default 0). */
  startS?: Seconds;
  /** How the caller names the start in messages (the CLI: --style-start). */
  startName?: string;
}

/**
 * A reference piece read as S-Control's branch was trained: decoded at the model's rate from
 * `startS` on, its melody and/or dynamics per mel frame. Checks the model has a control branch
 * before anything slow happens. Used by `score --style-from`, `transfer` and `serve`.
 */
export async function readStyle(
  model: GeneratorModel,
  reference: string,
  opts: StyleReading = {},
): Promise<{ style: StyleReference; controls: ControlName[]; durationS: Seconds }> {
  const controls = [...(opts.controls ?? CONTROL_NAMES)];
  const startS = opts.startS ?? 0;
  await loadControlBranch(model);
  const info = await probe(reference);
  if (!info.audio) {
    throw new UsageError(
      `${reference} has no audio track: give the reference piece as an audio file or a video with sound`,
    );
  }
  if (startS >= info.audio.durationS) {
    throw new UsageError(
      `${opts.startName ?? 'the style start'} ${startS} is past the end of ${reference} (${info.audio.durationS.toFixed(2)} s long)`,
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
      scale: opts.scale ?? 1,
      guided: opts.guided ?? true,
      ride: opts.ride ?? true,
      originS: startS,
    },
    controls,
    durationS: audio.length / m.sampleRate,
  };
}
