// filmscore as a library. The folders follow the flow: media → features → (conditions →
// sampler → decoder, in later issues) → output; analysis ties the features together.
export * from './units.js';

export { MediaError, type MediaErrorKind } from './media/errors.js';
export {
  probe,
  type MediaInfo,
  type AudioStreamInfo,
  type VideoStreamInfo,
} from './media/probe.js';
export {
  decodeAudio,
  decodeAudioStream,
  type AudioBuffer,
  type DecodeAudioOptions,
} from './media/audio-decode.js';
export { videoFrames, type VideoFrame, type VideoFrameOptions } from './media/video-frames.js';
export { encodeWav, writeWav, type WavFormat } from './media/wav.js';
export { muxAudioUnderVideo, type MuxOptions, type MuxResult } from './media/mux.js';

export {
  stft,
  istft,
  spectrogram,
  frameCount,
  type StftOptions,
  type Spectrogram,
  type ComplexSpectrogram,
} from './features/stft.js';
export { resample, type ResampleOptions } from './features/resample.js';
export {
  AUDIOLDM_MEL,
  melSpectrogram,
  logMelSpectrogram,
  logCompress,
  melFilterBank,
  type MelOptions,
} from './features/mel.js';
export {
  chromagram,
  chromaFilterBank,
  MELODY_CHROMA,
  type ChromaOptions,
} from './features/chroma.js';
export { melodyControl, melodyPitchClasses, melodyOneHot } from './features/melody.js';
export {
  DYNAMICS,
  dynamicsControl,
  frameEnergyDb,
  smoothDynamics,
  type DynamicsOptions,
} from './features/dynamics.js';
export { savgolFilter, type SavgolOptions, type SavgolMode } from './features/savgol.js';
export {
  LIBROSA_ONSET,
  LORIS_PEAK_PICK,
  onsetStrength,
  detectOnsets,
  detectOnsetFrames,
  type OnsetStrengthOptions,
} from './features/onset.js';
export { peakPick, type PeakPickOptions } from './features/peak-pick.js';
export { estimateTempo, type TempoOptions } from './features/tempo.js';
export { trackBeats, type BeatTrackOptions } from './features/beats.js';
export { griffinLim, type GriffinLimOptions } from './features/griffin-lim.js';

export {
  analyzeFile,
  analyzeSignal,
  analyzeSignalParallel,
  type MusicAnalysis,
  type AnalysisProgress,
} from './analysis/music-analysis.js';
export { renderAnalysisFigure, writeAnalysisFigure } from './analysis/figure.js';
