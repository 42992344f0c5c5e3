import { extname, resolve } from 'node:path';
import { defaultVocoderName, VOCODERS, type VocoderName } from '../decoder/vocoders.js';
import { reconstructionReport } from '../eval/reconstruction.js';
import { DEFAULT_MODEL_DIR, loadModelFolder } from '../generator/model-folder.js';
import {
  reconstructAudio,
  RECONSTRUCTION_PATHS,
  type ReconstructionPath,
} from '../generator/reconstruct.js';
import { decodeAudio } from '../media/audio-decode.js';
import { probe } from '../media/probe.js';
import { writeWav } from '../media/wav.js';
import { UsageError } from '../util/errors.js';
import { checkOutputPaths } from '../util/output-paths.js';
import { seconds } from './arguments.js';
import { StageReporter } from './progress.js';

export interface ReconstructCommandOptions {
  output: string;
  model?: string;
  start?: string;
  duration?: string;
  through?: string;
  vocoder?: string;
  json?: boolean;
  quiet?: boolean;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/**
 * `filmscore reconstruct`: a piece through the model's own front end, VAE and vocoder, written
 * out, with what was kept measured against the original.
 */
export async function runReconstruct(
  input: string,
  opts: ReconstructCommandOptions,
): Promise<void> {
  if (extname(opts.output).toLowerCase() !== '.wav') {
    throw new UsageError(
      `-o must name a .wav file (the reconstruction is audio), not "${opts.output}"`,
    );
  }
  await checkOutputPaths(
    [{ path: input, role: 'the input' }],
    [{ path: opts.output, role: '-o/--output' }],
  );
  const path = (opts.through ?? 'vae') as ReconstructionPath;
  if (!RECONSTRUCTION_PATHS.includes(path)) {
    throw new UsageError(
      `--through must be ${RECONSTRUCTION_PATHS.join(' or ')}, not "${opts.through}"`,
    );
  }
  const startS = seconds('--start', opts.start);
  const durationS = seconds('--duration', opts.duration);
  if (durationS === 0) throw new UsageError('--duration must be more than 0 seconds');
  const stages = new StageReporter(Boolean(opts.quiet));
  stages.stage(`loading the model (${opts.model ?? DEFAULT_MODEL_DIR})`);
  const model = await loadModelFolder(opts.model ?? DEFAULT_MODEL_DIR);
  try {
    const m = model.manifest;
    const vocoder = (opts.vocoder ?? defaultVocoderName(m)) as VocoderName;
    if (!VOCODERS.includes(vocoder)) {
      throw new UsageError(`--vocoder must be ${VOCODERS.join(', ')}, not "${opts.vocoder}"`);
    }
    stages.stage(`decoding ${input}`);
    const info = await probe(input);
    if (!info.audio) {
      throw new UsageError(
        `${input} has no audio track to reconstruct: give an audio file or a video with sound`,
      );
    }
    if (startS !== undefined && startS >= info.durationS) {
      throw new UsageError(
        `--start ${startS} is past the end of ${input} (${info.durationS.toFixed(2)} s long)`,
      );
    }
    const decoded = await decodeAudio(input, {
      sampleRate: m.sampleRate,
      channels: 1,
      info,
      startS,
      durationS,
    });
    const original = decoded.channels[0];
    // The STFT's reflect padding needs at least half a window of signal.
    if (original.length < m.mel.nFft) {
      throw new UsageError(
        `${input} gives only ${original.length} samples from ${startS ?? 0} s; reconstruction needs at least ${m.mel.nFft} (${(m.mel.nFft / m.sampleRate).toFixed(3)} s)`,
      );
    }
    stages.stage(
      `reconstructing ${(original.length / m.sampleRate).toFixed(2)} s through the ${path === 'vae' ? 'VAE and ' : ''}${vocoder} vocoder`,
    );
    const t0 = Date.now();
    const out = await reconstructAudio(model, original, { path, vocoder });
    const elapsed = (Date.now() - t0) / 1000;
    await writeWav(opts.output, [out.audio], m.sampleRate);
    stages.stage('measuring what was kept');
    const report = reconstructionReport(original, out.audio);
    stages.stage('done');
    stages.done();
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({
          input: resolve(input),
          output: resolve(opts.output),
          model: model.dir,
          through: path,
          vocoder,
          start: startS ?? 0,
          duration: round(original.length / m.sampleRate, 3),
          sampleRate: m.sampleRate,
          nMels: m.mel.nMels,
          melodyAccuracy: round(report.melodyAccuracy, 4),
          dynamicsR: round(report.dynamicsR, 4),
          melL1: round(report.melL1, 4),
          mrStft: round(report.mrStft, 4),
          flatness: {
            original: round(report.flatness.original, 5),
            output: round(report.flatness.output, 5),
            ratio: round(report.flatness.ratio, 3),
          },
          seconds: round(elapsed, 2),
        })}\n`,
      );
    } else {
      process.stdout.write(
        `${opts.output}: ${(original.length / m.sampleRate).toFixed(2)} s through the model's ${m.mel.nMels}-band front end${path === 'vae' ? ', VAE' : ''} and ${vocoder} vocoder in ${elapsed.toFixed(1)} s\n` +
          `  melody kept ${(100 * report.melodyAccuracy).toFixed(1)} % of frames (chance ≈ 8.3 %), dynamics r ${report.dynamicsR.toFixed(3)}\n` +
          `  mel L1 ${report.melL1.toFixed(3)}, MR-STFT ${report.mrStft.toFixed(3)}, spectral flatness ${report.flatness.output.toFixed(4)} (original ${report.flatness.original.toFixed(4)}, ×${report.flatness.ratio.toFixed(2)})\n`,
      );
    }
  } finally {
    await model.dispose();
  }
}
