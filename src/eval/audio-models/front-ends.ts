/**
 * The input pre-processing of the audio models `filmscore eval` can plug in, each following
 * its reference implementation, so a user's exported VGGish or PANN sees what it was trained
 * on. All take 16 kHz mono audio.
 */
import { sparseProjection } from '../../features/fft.js';
import { forEachStftFrame, frameCount } from '../../features/stft.js';
import { melProjection, type MelOptions } from '../../features/mel.js';

/** A stack of equally shaped examples, row-major: [count, frames, bands]. */
export interface Examples {
  count: number;
  frames: number;
  bands: number;
  data: Float32Array;
}

/** VGGish (vggish_params.py): 25 ms Hann frames every 10 ms, 64 HTK mel bands 125–7500 Hz. */
export const VGGISH = Object.freeze({
  sampleRate: 16000,
  frameLength: 400,
  hopLength: 160,
  nFft: 512,
  bands: 64,
  fMin: 125,
  fMax: 7500,
  logOffset: 0.01,
  /** 0.96 s examples, without overlap. */
  exampleFrames: 96,
});

const hzToMelHtk = (hz: number): number => 1127 * Math.log(1 + hz / 700);

/**
 * VGGish's mel matrix (mel_features.spectrogram_to_mel_matrix): triangles that are linear in
 * mel (not in Hz, unlike librosa's HTK option), over bins spaced evenly to the Nyquist, with
 * the DC bin's weights zeroed.
 */
function vggishMelEntries(): { bin: number; row: number; weight: number }[] {
  const bins = VGGISH.nFft / 2 + 1;
  const lo = hzToMelHtk(VGGISH.fMin);
  const hi = hzToMelHtk(VGGISH.fMax);
  const edges = Array.from(
    { length: VGGISH.bands + 2 },
    (_, i) => lo + ((hi - lo) * i) / (VGGISH.bands + 1),
  );
  const entries: { bin: number; row: number; weight: number }[] = [];
  for (let k = 1; k < bins; k++) {
    const mel = hzToMelHtk((k * (VGGISH.sampleRate / 2)) / (bins - 1));
    for (let m = 0; m < VGGISH.bands; m++) {
      const [l, c, u] = [edges[m], edges[m + 1], edges[m + 2]];
      const w = Math.max(0, Math.min((mel - l) / (c - l), (u - mel) / (u - c)));
      if (w > 0) entries.push({ bin: k, row: m, weight: w });
    }
  }
  return entries;
}

/**
 * VGGish's input (vggish_input.waveform_to_examples): log(mel(|STFT|) + 0.01), framed into
 * non-overlapping 96-frame examples; a tail shorter than 0.96 s is dropped, as there.
 */
export function vggishExamples(x16k: Float32Array): Examples {
  const { frameLength, hopLength, nFft, bands, exampleFrames, logOffset } = VGGISH;
  // The reference frames the signal without centring and zero-pads each 400-sample frame to
  // 512; the STFT here centres a short window inside the FFT frame instead, so pad the signal by
  // that offset on both sides: the frames then hold the same samples (|FFT| ignores the shift).
  const offset = (nFft - frameLength) / 2;
  const frameCount =
    x16k.length < frameLength ? 0 : 1 + Math.floor((x16k.length - frameLength) / hopLength);
  const count = Math.floor(frameCount / exampleFrames);
  const data = new Float32Array(count * exampleFrames * bands);
  if (!count) return { count, frames: exampleFrames, bands, data };
  const padded = new Float32Array(x16k.length + 2 * offset);
  padded.set(x16k, offset);
  forEachStftFrame(
    padded,
    { nFft, hopLength, winLength: frameLength, center: false },
    (t, { projected: [mel] }) => {
      for (let b = 0; b < bands; b++) data[t * bands + b] = Math.log(mel[b] + logOffset);
    },
    {
      range: { start: 0, end: count * exampleFrames },
      projections: [sparseProjection(bands, true, vggishMelEntries())],
    },
  );
  return { count, frames: exampleFrames, bands, data };
}

/** PANNs' 16 kHz front end (Cnn14_16k, torchlibrosa): 512-point Hann STFT, hop 160, power. */
export const PANN_MEL: Readonly<MelOptions> = Object.freeze({
  sampleRate: 16000,
  nFft: 512,
  hopLength: 160,
  winLength: 512,
  center: true,
  padMode: 'reflect',
  nMels: 64,
  fMin: 50,
  fMax: 8000,
  power: 2,
});

/**
 * PANNs' log-mel (torchlibrosa LogmelFilterBank, ref 1, amin 1e-10, no top_db):
 * 10·log10(max(mel power, 1e-10)), frame-major [frames, 64] — the Cnn14 input [1, 1, T, 64].
 */
export function pannLogMel(x16k: Float32Array): Examples {
  const bands = PANN_MEL.nMels;
  const frames = frameCount(x16k.length, PANN_MEL);
  const data = new Float32Array(frames * bands);
  forEachStftFrame(
    x16k,
    PANN_MEL,
    (t, { projected: [mel] }) => {
      for (let b = 0; b < bands; b++)
        data[t * bands + b] = 10 * Math.log10(Math.max(mel[b], 1e-10));
    },
    { projections: [melProjection(PANN_MEL)] },
  );
  return { count: 1, frames, bands, data };
}
