import { analyzeAudio } from '../analysis/music-analysis.js';
import { controlFrames, controlWindow } from '../conditions/style-controls.js';
import { dynamicsCorrelation, melodyAccuracy } from '../eval/control-fidelity.js';
import type { FilmRecording } from '../film/film-analysis.js';
import { conditionVector, type AffectLevels } from '../generator/condition.js';
import type { GeneratorModel } from '../generator/model-folder.js';
import type { Seconds } from '../units.js';
import {
  composeScore,
  filmWindowCondition,
  type ComposeOptions,
  type ScoreWindow,
  type StyleReference,
} from './score-video.js';

export interface TransferOptions extends Omit<ComposeOptions, 'style'> {
  /** The reference's controls (`styleControlsOf`): the new piece follows them. */
  style: StyleReference;
  /** Length of the new piece (default: the reference's). */
  durationS?: Seconds;
  /** Affect levels the piece is asked for (each 0–1), over the film's when both are given. */
  mood?: AffectLevels;
  /** A film (`recordFilm`) whose stretches set each window's mood. */
  film?: FilmRecording;
}

/** Melody and dynamics, frame by frame (the analysis's rate), of the reference and the piece. */
export interface ControlComparison {
  frameRate: number;
  reference: { melody: Uint8Array | null; dynamics: Float32Array | null };
  piece: { melody: Uint8Array; dynamics: Float32Array };
}

export interface TransferResult {
  /** The new piece, mono at `sampleRate`. */
  audio: Float32Array;
  sampleRate: number;
  windows: ScoreWindow[];
  /** How closely it follows the reference over its whole length (null: control not given). */
  fidelity: { melodyAccuracy: number | null; dynamicsR: number | null };
  comparison: ControlComparison;
}

/**
 * Style transfer (S-Control): a new piece that follows a reference's melody and/or dynamics,
 * in the mood of a film's stretches or of `mood` levels, any length (a shorter reference loops),
 * and how closely it follows (melody accuracy, dynamics r) — `filmscore transfer` as a call.
 */
export async function transfer(
  model: GeneratorModel,
  opts: TransferOptions,
): Promise<TransferResult> {
  const m = model.manifest;
  const fps = m.sampleRate / m.mel.hopLength;
  const durationS = opts.durationS ?? controlFrames(opts.style.controls) / fps;
  const film = opts.film;
  const { score, windows } = await composeScore(
    model,
    durationS,
    async (startS, spanS) => {
      if (film) {
        // A film shorter than the piece: a window past its end reads the film's last stretch.
        const at = Math.min(startS, Math.max(0, film.durationS - spanS));
        return filmWindowCondition(
          model,
          film,
          at,
          Math.min(spanS, film.durationS - at),
          opts.mood,
        );
      }
      return { levels: { ...opts.mood }, condition: conditionVector({}, m, opts.mood) };
    },
    opts,
  );
  const out = analyzeAudio(score, m.sampleRate);
  const ref = controlWindow(opts.style.controls, 0, out.melody.length, true);
  return {
    audio: score,
    sampleRate: m.sampleRate,
    windows,
    fidelity: {
      melodyAccuracy: ref.melody ? melodyAccuracy(ref.melody, out.melody) : null,
      dynamicsR: ref.dynamics ? dynamicsCorrelation(ref.dynamics, out.dynamics) : null,
    },
    comparison: {
      frameRate: out.frameRate,
      reference: { melody: ref.melody ?? null, dynamics: ref.dynamics ?? null },
      piece: { melody: out.melody, dynamics: out.dynamics },
    },
  };
}
