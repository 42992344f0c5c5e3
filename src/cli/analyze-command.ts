import { basename, extname } from 'node:path';
import { writeAnalysisFigure } from '../analysis/figure.js';
import { analyzeFile, type MusicAnalysis } from '../analysis/music-analysis.js';
import type { MediaInfo } from '../media/probe.js';
import { PITCH_CLASS_NAMES } from '../units.js';
import { StageReporter } from './progress.js';

export interface AnalyzeCommandOptions {
  json?: boolean;
  /** PNG path, or false for none. */
  png?: string | false;
  quiet?: boolean;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** The documented JSON shape of `filmscore analyze --json`. */
export function analysisJson(
  source: MediaInfo,
  m: MusicAnalysis,
  figure: string | null,
): Record<string, unknown> {
  return {
    file: source.path,
    duration: round(m.durationS, 3),
    sampleRate: m.sampleRate,
    frameRate: m.frameRate,
    melody: Array.from(m.melody),
    dynamics: Array.from(m.dynamics, (v) => round(v, 2)),
    onsets: m.onsets.map((t) => round(t, 3)),
    tempo: round(m.tempo, 2),
    beats: m.beats.map((t) => round(t, 3)),
    figure,
  };
}

function summary(source: MediaInfo, m: MusicAnalysis, figure: string | null): string {
  const counts = new Array<number>(12).fill(0);
  for (const c of m.melody) counts[c]++;
  const top = counts
    .map((n, c) => [n, c] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3)
    .map(([n, c]) => `${PITCH_CLASS_NAMES[c]} ${((100 * n) / m.melody.length).toFixed(0)}%`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m.dynamics) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const streams = [
    source.video &&
      `video ${source.video.width}×${source.video.height} @ ${source.video.frameRate.toFixed(2)} fps`,
    source.audio && `audio ${source.audio.sampleRate} Hz × ${source.audio.channels}`,
  ]
    .filter(Boolean)
    .join(', ');
  return [
    `${source.path}: ${m.durationS.toFixed(2)} s (${streams})`,
    `  tempo      ${m.tempo.toFixed(1)} BPM, ${m.beats.length} beats, ${m.onsets.length} onsets (${(m.onsets.length / Math.max(m.durationS, 1e-9)).toFixed(2)}/s)`,
    `  melody     ${m.melody.length} frames at ${m.frameRate}/s; most frequent pitch classes: ${top.join(', ')}`,
    `  dynamics   ${lo.toFixed(1)} … ${hi.toFixed(1)} dB (range ${(hi - lo).toFixed(1)} dB)`,
    figure ? `  figure     ${figure}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function runAnalyze(file: string, opts: AnalyzeCommandOptions): Promise<void> {
  const progress = new StageReporter(Boolean(opts.quiet));
  const { source, music } = await analyzeFile(file, (e) => {
    if (e.stage === 'probing') progress.stage(`reading ${file}`);
    if (e.stage === 'decoding') progress.stage(`decoding ${e.durationS.toFixed(1)} s of audio`);
    if (e.stage === 'features')
      progress.stage('computing mel, melody, dynamics, onsets, tempo, beats');
  });
  let figure: string | null = null;
  if (opts.png !== false) {
    figure = opts.png ?? `${basename(file, extname(file))}.analysis.png`;
    progress.stage(`drawing ${figure}`);
    await writeAnalysisFigure(
      figure,
      music,
      `${basename(file)} — ${music.durationS.toFixed(2)} s, ${music.tempo.toFixed(1)} BPM`,
    );
  }
  progress.stage('done');
  progress.done();
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(analysisJson(source, music, figure))}\n`
      : `${summary(source, music, figure)}\n`,
  );
}
