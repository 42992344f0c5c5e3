import { trackBeats } from '../features/beats.js';
import { DYNAMICS, frameEnergyDb, smoothDynamics, spectrumEnergyDb } from '../features/dynamics.js';
import { chromagram, MELODY_CHROMA } from '../features/chroma.js';
import { AUDIOLDM_MEL, logCompress, melProjector, melSpectrogram } from '../features/mel.js';
import { melodyPitchClasses } from '../features/melody.js';
import { detectOnsetFrames, LIBROSA_ONSET, onsetStrength } from '../features/onset.js';
import { resample } from '../features/resample.js';
import { forEachStftFrame, frameCount, type Spectrogram } from '../features/stft.js';
import { estimateTempo } from '../features/tempo.js';
import { decodeAudio } from '../media/audio-decode.js';
import { probe, type MediaInfo } from '../media/probe.js';
import type { Bpm, Hertz, Seconds } from '../units.js';

/** Everything the paper's audio front end says about a piece, on one 100 frames/s clock. */
export interface MusicAnalysis {
  durationS: Seconds;
  /** Rate of the model-side features (mel, melody, dynamics): AudioLDM's 16 kHz. */
  sampleRate: Hertz;
  /** Frames per second of logMel, melody and dynamics (16000 / 160 = 100). */
  frameRate: number;
  /** AudioLDM log-mel, T × 64. */
  logMel: Spectrogram;
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
 * Mel and frame energy share AudioLDM's STFT (n_fft 1024, hop 160), so one pass computes both:
 * the same values as melSpectrogram and frameEnergyDb, at the cost of one transform.
 */
function melAndEnergy(x: Float32Array): { mel: Spectrogram; energyDb: Float32Array } {
  const same = (['nFft', 'hopLength', 'winLength', 'center', 'padMode'] as const).every(
    (k) => AUDIOLDM_MEL[k] === DYNAMICS[k],
  );
  if (!same) return { mel: melSpectrogram(x, AUDIOLDM_MEL), energyDb: frameEnergyDb(x, DYNAMICS) };
  const frames = frameCount(x.length, AUDIOLDM_MEL);
  const mel = new Float32Array(frames * AUDIOLDM_MEL.nMels);
  const energyDb = new Float32Array(frames);
  const project = melProjector(AUDIOLDM_MEL);
  const bins = AUDIOLDM_MEL.nFft / 2 + 1;
  forEachStftFrame(x, AUDIOLDM_MEL, (t, s) => {
    project(t, s, mel);
    energyDb[t] = spectrumEnergyDb(s, bins, DYNAMICS.floorDb);
  });
  return { mel: { frames, bins: AUDIOLDM_MEL.nMels, data: mel }, energyDb };
}

/**
 * Analyse mono audio at 22,050 Hz (the rhythm metrics' rate). The model-side features are
 * computed from a 16 kHz copy made by our torchaudio-equivalent resampler, so one decode
 * serves both clocks.
 */
export function analyzeSignal(x22k: Float32Array): MusicAnalysis {
  const rhythmRate = LIBROSA_ONSET.sampleRate;
  const x = resample(x22k, rhythmRate, AUDIOLDM_MEL.sampleRate);
  const { mel, energyDb } = melAndEnergy(x);
  const logMel = logCompress(mel);
  const melody = melodyPitchClasses(chromagram(x, MELODY_CHROMA));
  const dynamics = smoothDynamics(energyDb, DYNAMICS);
  const envelope = onsetStrength(x22k, LIBROSA_ONSET);
  const envelopeRate = rhythmRate / LIBROSA_ONSET.hopLength;
  const onsets = detectOnsetFrames(envelope).map((f) => f / envelopeRate);
  const tempo = estimateTempo(envelope, { frameRate: envelopeRate });
  const beats = trackBeats(envelope, tempo, { frameRate: envelopeRate }).map(
    (f) => f / envelopeRate,
  );
  return {
    durationS: x22k.length / rhythmRate,
    sampleRate: AUDIOLDM_MEL.sampleRate,
    frameRate: AUDIOLDM_MEL.sampleRate / AUDIOLDM_MEL.hopLength,
    logMel,
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
): Promise<{ source: MediaInfo; music: MusicAnalysis }> {
  onProgress({ stage: 'probing' });
  const source = await probe(path);
  onProgress({ stage: 'decoding', durationS: source.durationS });
  const audio = await decodeAudio(path, { sampleRate: LIBROSA_ONSET.sampleRate, channels: 1 });
  onProgress({ stage: 'features' });
  const music = analyzeSignal(audio.channels[0]);
  onProgress({ stage: 'done' });
  return { source, music };
}
