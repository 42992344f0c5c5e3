import { availableParallelism } from 'node:os';
import { trackBeats } from '../features/beats.js';
import { DYNAMICS, smoothDynamics } from '../features/dynamics.js';
import { AUDIOLDM_MEL } from '../features/mel.js';
import { melodyPitchClasses } from '../features/melody.js';
import { detectOnsetFrames, LIBROSA_ONSET, onsetEnvelopeFromMelDb } from '../features/onset.js';
import type { Spectrogram } from '../features/stft.js';
import { estimateTempo } from '../features/tempo.js';
import { resample } from '../features/resample.js';
import { decodeAudio } from '../media/audio-decode.js';
import { probe, type MediaInfo } from '../media/probe.js';
import type { Bpm, Hertz, Seconds } from '../units.js';
import { allocateFrontEnd, framesShare, resampleShare, type FrontEndBuffers } from './front-end.js';
import type { FrontEndJob } from './front-end-worker.js';
import { sharedWorkerPool } from '../util/worker-pool.js';

/** Everything the paper's audio front end says about a piece, on one 100 frames/s clock. */
export interface MusicAnalysis {
  durationS: Seconds;
  /** Rate of the model-side features (mel, melody, dynamics): AudioLDM's 16 kHz. */
  sampleRate: Hertz;
  /** Frames per second of logMel, melody and dynamics (16000 / 160 = 100). */
  frameRate: number;
  /** AudioLDM log-mel, T × 64. */
  logMel: Spectrogram;
  /** The 16 kHz mono signal the model-side features were computed from. */
  audio: Float32Array;
  /** Chromagram T × 12 (max-normalised per frame), the melody control's source. */
  chroma: Spectrogram;
  /** Melody control: pitch class 0–11 per frame. */
  melody: Uint8Array;
  /** Dynamics control: smoothed frame energy in dB per frame. */
  dynamics: Float32Array;
  /** Onset times (librosa front end at 22,050 Hz, LORIS peak picking). */
  onsets: Seconds[];
  tempo: Bpm;
  beats: Seconds[];
}

export type AnalysisProgress =
  | { stage: 'probing' }
  | { stage: 'decoding'; durationS: Seconds }
  | { stage: 'features' }
  | { stage: 'done' };

/**
 * Analyse mono audio at 22,050 Hz (the rhythm metrics' rate). The model-side features are
 * computed from a 16 kHz copy made by our torchaudio-equivalent resampler, so one decode
 * serves both clocks. Single-threaded; `analyzeSignalParallel` gives the same result faster.
 */
export function analyzeSignal(x22k: Float32Array): MusicAnalysis {
  const b = allocateFrontEnd(x22k, false);
  resampleShare(b, 0, 1);
  framesShare(b, 0, 1);
  return finishAnalysis(b);
}

/** Mono audio at any rate, analysed as the corpus's clips were (resampled to 22,050 Hz first). */
export function analyzeAudio(audio: Float32Array, sampleRate: Hertz): MusicAnalysis {
  return analyzeSignal(resample(audio, sampleRate, 22050));
}

/** Below this length a worker's start-up (~50 ms) costs more than it saves. */
const PARALLEL_MIN_SECONDS = 20;

/**
 * `analyzeSignal` with the frame-wise work split between this thread and `threads − 1`
 * workers over shared memory. The result is identical to the single-threaded one.
 */
export async function analyzeSignalParallel(
  x22k: Float32Array,
  threads = Math.min(2, availableParallelism()),
): Promise<MusicAnalysis> {
  if (threads < 2 || x22k.length < PARALLEL_MIN_SECONDS * LIBROSA_ONSET.sampleRate) {
    return analyzeSignal(x22k);
  }
  const b = allocateFrontEnd(x22k, true);
  const workers = sharedWorkerPool<FrontEndJob, void>(
    new URL('./front-end-worker.js', import.meta.url),
    threads - 1,
  );
  for (const phase of ['resample', 'frames'] as const) {
    const share = phase === 'resample' ? resampleShare : framesShare;
    const others = Array.from({ length: threads - 1 }, (_, i) =>
      workers.run({ phase, buffers: b, index: i + 1, count: threads }),
    );
    let mine: unknown = null;
    try {
      share(b, 0, threads);
    } catch (err) {
      mine = err;
    }
    // The workers write into the same buffers: let them finish before anything else.
    const failed = (await Promise.allSettled(others)).find((r) => r.status === 'rejected');
    if (mine) throw mine;
    if (failed) {
      const why: unknown = failed.reason;
      throw new Error(`front-end worker: ${why instanceof Error ? why.message : String(why)}`);
    }
  }
  return finishAnalysis(b);
}

/** The whole-piece steps after the frame-wise work: argmax, smoothing, rhythm. */
function finishAnalysis(b: FrontEndBuffers): MusicAnalysis {
  const rhythmRate = LIBROSA_ONSET.sampleRate;
  const t16 = b.energyDb.length;
  const logMel = { frames: t16, bins: AUDIOLDM_MEL.nMels, data: b.logMel };
  const chroma = { frames: b.chroma.length / 12, bins: 12, data: b.chroma };
  const melody = melodyPitchClasses(chroma);
  const dynamics = smoothDynamics(b.energyDb, DYNAMICS);
  const t22 = b.onsetMelDb.length / LIBROSA_ONSET.nMels;
  const envelope = onsetEnvelopeFromMelDb(b.onsetMelDb, t22, LIBROSA_ONSET);
  const envelopeRate = rhythmRate / LIBROSA_ONSET.hopLength;
  const onsets = detectOnsetFrames(envelope).map((f) => f / envelopeRate);
  const tempo = estimateTempo(envelope, { frameRate: envelopeRate });
  const beats = trackBeats(envelope, tempo, { frameRate: envelopeRate }).map(
    (f) => f / envelopeRate,
  );
  return {
    durationS: b.x22.length / rhythmRate,
    sampleRate: AUDIOLDM_MEL.sampleRate,
    frameRate: AUDIOLDM_MEL.sampleRate / AUDIOLDM_MEL.hopLength,
    audio: b.x16,
    logMel,
    chroma,
    melody,
    dynamics,
    onsets,
    tempo,
    beats,
  };
}

/** Decode any audio or video file's sound (mono, 22,050 Hz) and analyse it. */
export async function analyzeFile(
  path: string,
  onProgress: (event: AnalysisProgress) => void = () => {},
  info?: MediaInfo,
): Promise<{ source: MediaInfo; music: MusicAnalysis }> {
  onProgress({ stage: 'probing' });
  const source = info ?? (await probe(path));
  onProgress({ stage: 'decoding', durationS: source.durationS });
  const audio = await decodeAudio(path, {
    sampleRate: LIBROSA_ONSET.sampleRate,
    channels: 1,
    info: source,
  });
  onProgress({ stage: 'features' });
  const music = await analyzeSignalParallel(audio.channels[0]);
  onProgress({ stage: 'done' });
  return { source, music };
}
