import { clip01 } from '../conditions/affect.js';
import { FACE_EXPRESSIONS, type Face, type FaceExpression } from './faces.js';

/** The six EmoMV classes. */
export const EMOTION_CLASSES = [
  'exciting',
  'fearful',
  'tense',
  'sad',
  'relaxing',
  'neutral',
] as const;
export type EmotionClass = (typeof EMOTION_CLASSES)[number];
export type EmotionProbabilities = Record<EmotionClass, number>;

/** What the emotion branch reads of the picture's affect (VideoAffect has these). */
export interface AffectCues {
  valence: number;
  arousal: number;
  brightness: number;
  pace: number;
}

/** Faces seen over a clip's 1 fps frames. */
export interface FaceSummary {
  /** Frames read, and frames with at least one face. */
  frames: number;
  framesWithFaces: number;
  /** Mean expression over all faces, each weighted by box area × confidence; null if none. */
  expression: Record<FaceExpression, number> | null;
}

function softmax(scores: EmotionProbabilities, temperature: number): EmotionProbabilities {
  const max = Math.max(...Object.values(scores));
  const exp = EMOTION_CLASSES.map((k) => Math.exp((scores[k] - max) / temperature));
  const sum = exp.reduce((s, e) => s + e, 0);
  return Object.fromEntries(
    EMOTION_CLASSES.map((k, i) => [k, exp[i] / sum]),
  ) as EmotionProbabilities;
}

/**
 * Emotion probabilities from affective cues: each class has a score from valence and
 * arousal (Russell's circumplex: exciting = +V +A, relaxing = +V −A, sad = −V −A, fearful /
 * tense = −V +A, split by darkness and pace; neutral near the centre), turned into
 * probabilities by a softmax (temperature 0.15).
 */
export function emotionFromAffect(a: AffectCues): EmotionProbabilities {
  const v = a.valence - 0.5;
  const r = a.arousal - 0.5;
  return softmax(
    {
      exciting: v + r,
      relaxing: v - r,
      sad: -v - r,
      fearful: -v + r + (0.5 - a.brightness) * 0.5,
      tense: -v + r + (a.pace - 0.5) * 0.5,
      neutral: 0.25 - Math.abs(v) - Math.abs(r),
    },
    0.15,
  );
}

/**
 * The seven face expressions read as EmoMV classes. Happiness splits between exciting and
 * relaxing by the picture's arousal (a smile in a chase is not a smile on a beach);
 * surprise is mostly exciting, partly fearful; anger and disgust read as tense.
 */
export function emotionFromFaces(
  e: Record<FaceExpression, number>,
  arousal: number,
): EmotionProbabilities {
  const a = clip01(arousal);
  return {
    exciting: e.happy * a + e.surprise * 0.6,
    fearful: e.fear + e.surprise * 0.4,
    tense: e.angry + e.disgust,
    sad: e.sad,
    relaxing: e.happy * (1 - a),
    neutral: e.neutral,
  };
}

/** Faces weigh at most this much against the scene's cues (when every frame has a face). */
export const FACE_WEIGHT = 0.5;

/**
 * The offline emotion branch: affective cues, blended with the faces' expressions in
 * proportion to how much of the clip shows a face (FACE_WEIGHT × share of frames).
 */
export function emotionOf(cues: AffectCues, faces: FaceSummary | null): EmotionProbabilities {
  const scene = emotionFromAffect(cues);
  if (!faces?.expression || faces.frames === 0) return scene;
  const w = (FACE_WEIGHT * faces.framesWithFaces) / faces.frames;
  const face = emotionFromFaces(faces.expression, cues.arousal);
  return Object.fromEntries(
    EMOTION_CLASSES.map((k) => [k, (1 - w) * scene[k] + w * face[k]]),
  ) as EmotionProbabilities;
}

/**
 * Valence of the faces, 0–1: 0.5 plus half the difference between happiness and the
 * negative expressions (anger, disgust, fear, sadness).
 */
export function faceValence(e: Record<FaceExpression, number>): number {
  return clip01(0.5 + 0.5 * (e.happy - e.angry - e.disgust - e.fear - e.sad));
}

/** Accumulates the faces of successive frames into a FaceSummary. */
export class FaceSummaryBuilder {
  private frames = 0;
  private framesWithFaces = 0;
  private readonly sum = new Float64Array(FACE_EXPRESSIONS.length);

  add(faces: readonly Face[]): void {
    this.frames++;
    if (faces.length) this.framesWithFaces++;
    for (const f of faces) {
      const w = f.width * f.height * f.score;
      FACE_EXPRESSIONS.forEach((k, i) => (this.sum[i] += w * f.expression[k]));
    }
  }

  result(): FaceSummary {
    // The model's float32 softmax sums to 1 only within ~1e-7: renormalise in float64.
    const total = this.sum.reduce((a, b) => a + b, 0);
    return {
      frames: this.frames,
      framesWithFaces: this.framesWithFaces,
      expression:
        total > 0
          ? (Object.fromEntries(FACE_EXPRESSIONS.map((k, i) => [k, this.sum[i] / total])) as Record<
              FaceExpression,
              number
            >)
          : null,
    };
  }
}
