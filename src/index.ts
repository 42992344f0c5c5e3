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
export { encodeWav, writeWav, WavFileWriter, type WavFormat } from './media/wav.js';
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
export {
  renderAnalysisFigure,
  writeAnalysisFigure,
  renderControlComparison,
} from './analysis/figure.js';

export {
  AFFECT_NAMES,
  affectVector,
  type AffectDescriptors,
  type AffectName,
} from './conditions/affect.js';
export { musicAffect } from './conditions/music-affect.js';

export {
  analyzeFilm,
  recordFilm,
  readFilmSpan,
  type FilmRecording,
  EMOTION_CLASSES,
  AESTHETIC_KEYS,
  VIDEO_AFFECT_KEYS,
  type FilmAnalysis,
  type FilmModels,
  type AestheticScores,
  type VideoAffect,
  type EmotionClass,
} from './film/film-analysis.js';
export { detectCuts } from './film/shot-cuts.js';
export {
  FaceReader,
  FACE_EXPRESSIONS,
  DEFAULT_FACE_MODELS,
  type Face,
  type FaceBox,
  type FaceExpression,
} from './film/faces.js';
export {
  emotionOf,
  emotionFromAffect,
  emotionFromFaces,
  type FaceSummary,
  type EmotionProbabilities,
} from './film/emotion.js';
export { semanticEmbedding, clipPixels, CLIP_INPUT } from './film/semantic.js';
export { LaffFusion, type FilmBranches, type FusedFilm } from './film/laff.js';
export { OnnxModel, type FloatTensor } from './onnx/model.js';

export { parseManifest, readManifest, EMOTIONS, type ManifestRow } from './dataset/manifest.js';
export { buildDataset, verifyClip, type BuildOptions, type BuildSummary } from './dataset/build.js';
export { datasetStats, type DatasetStats } from './dataset/stats.js';
export { splitByFilm, PAPER_RATIOS, type SplitName } from './dataset/split.js';
export { writeSyntheticPairs, type PairParameters } from './dataset/synthetic-pairs.js';
export { prepareDebianCorpus, DEBIAN_SOUNDTRACKS } from './dataset/corpus/debian.js';
export { encodeNpy, decodeNpy, npyArray } from './dataset/npy.js';

export {
  calibrateLevels,
  affectQuantiles,
  levelToQuantile,
  quantileTable,
  type AffectQuantiles,
} from './conditions/calibration.js';
export {
  loadModelFolder,
  loadVaeEncoder,
  loadControlBranch,
  contentFrames,
  checkManifest,
  DEFAULT_MODEL_DIR,
  type GeneratorModel,
  type ModelManifest,
  type ControlSpec,
  type ResidualSpec,
} from './generator/model-folder.js';
export {
  styleControlsOf,
  controlWindow,
  controlFrames,
  parseControls,
  CONTROL_NAMES,
  NO_PITCH,
  type StyleControls,
  type ControlName,
} from './conditions/style-controls.js';
export {
  generate,
  type GenerateOptions,
  type Generation,
  type FilmBranchValues,
  type ConditionTrack,
} from './generator/pipeline.js';
export {
  conditionVector,
  parseMood,
  stretchWeights,
  accentWeights,
  type AffectLevels,
} from './generator/condition.js';
export {
  reconstructAudio,
  modelMelOptions,
  RECONSTRUCTION_PATHS,
  type ReconstructOptions,
  type ReconstructionPath,
} from './generator/reconstruct.js';
export { alphasCumprod, type NoiseSchedule, type Scheduler } from './sampler/schedule.js';
export { DdimScheduler } from './sampler/ddim.js';
export { DpmSolverScheduler } from './sampler/dpm-solver.js';
export { makeScheduler, SCHEDULERS, type SchedulerName } from './sampler/index.js';
export { GaussianNoise } from './sampler/noise.js';
export { guide } from './sampler/guidance.js';
export {
  neuralVocoder,
  griffinLimVocoder,
  modelVocoder,
  hybridVocoder,
  vocodeLong,
  defaultVocoderName,
  melToLinear,
  VOCODERS,
  type Vocoder,
  type VocoderName,
} from './decoder/vocoders.js';
export {
  scoreVideo,
  composeScore,
  composeScoreInto,
  filmWindowCondition,
  type ScoreOptions,
  type ScoreResult,
  type ScoreProgress,
  type ScoreWindow,
  type ComposeOptions,
  type StyleReference,
  type WindowCondition,
} from './score/score-video.js';
export { joinWindows, equalPowerMix } from './decoder/join-windows.js';
export { ArraySink, RollingTimeline, type ScoreSink } from './score/timeline.js';
export {
  transfer,
  type TransferOptions,
  type TransferResult,
  type ControlComparison,
} from './score/transfer.js';
export { type KnownLatent, type ColourMatch } from './sampler/inpaint.js';
export {
  spectralNovelty,
  noveltyPercentile,
  pitchClassHistogram,
  pitchClassContinuity,
  seamReadings,
  type SeamReading,
} from './eval/seams.js';
export {
  planScoreWindows,
  windowStretches,
  windowHits,
  type WindowPlan,
  type PlannedWindow,
  type WindowPlanOptions,
} from './score/window-plan.js';

// Evaluation: the paper's metrics (HPM §5), each after its reference definition.
export {
  onsetSlots,
  signalSlots,
  clipBeatScore,
  rhythmScores,
  type ClipBeatScore,
  type RhythmScores,
} from './eval/rhythm.js';
export { gaussianFit, frechetDistance, type GaussianFit } from './eval/frechet.js';
export { klDivergence, inceptionScore } from './eval/classifier-scores.js';
export {
  melodyAccuracy,
  dynamicsCorrelation,
  dynamicsCorrelations,
} from './eval/control-fidelity.js';
export { MFCC_STATS, mfccStats, mfccStatsOfMel } from './eval/embedding.js';
export {
  reconstructionReport,
  logMelL1,
  multiResolutionStftDistance,
  type ReconstructionReport,
} from './eval/reconstruction.js';
export { spectralFlatness, FLATNESS, type FlatnessOptions } from './features/flatness.js';
export {
  loadAudioModel,
  AUDIO_MODEL_KINDS,
  DEFAULT_STYLE_MODEL,
  type AudioModel,
  type AudioDescription,
} from './eval/audio-models/audio-model.js';
export { vggishExamples, pannLogMel, VGGISH, PANN_MEL } from './eval/audio-models/front-ends.js';
export {
  embeddingVariance,
  oneShotClass,
  originalityAndRecognizability,
  type SystemPoint,
  type ClassPoint,
} from './eval/originality.js';
export { renderOriginalityFigure, writeOriginalityFigure } from './eval/originality-figure.js';
export {
  evaluateFolders,
  evaluateOriginality,
  type EvaluateOptions,
  type EvaluationReport,
  type OriginalityOptions,
  type OriginalityReport,
} from './eval/evaluate.js';
export { meanOpinionScore, type MeanOpinionScore } from './eval/mos/stats.js';
export { MosStore, ASPECTS, type Aspect } from './eval/mos/store.js';
export { mosServer, findSamples } from './eval/mos/server.js';
