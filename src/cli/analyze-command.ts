import { basename, extname } from 'node:path';
import { writeAnalysisFigure } from '../analysis/figure.js';
import { analyzeFile, type MusicAnalysis } from '../analysis/music-analysis.js';
import { probe, type MediaInfo } from '../media/probe.js';
import { analyzeFilm, type FilmAnalysis } from '../film/film-analysis.js';
import { writeFilmTimeline } from '../film/timeline-figure.js';
import { OnnxModel } from '../onnx/model.js';
import { PITCH_CLASS_NAMES } from '../units.js';
import { StageReporter } from './progress.js';
import { checkOutputPaths } from '../util/output-paths.js';

export interface AnalyzeCommandOptions {
  json?: boolean;
  /** PNG path of the music figure, or false for no figures. */
  png?: string | false;
  /** PNG path of the film timeline (videos). */
  filmPng?: string;
  /** User ONNX models for the film encoder's branches. */
  semanticModel?: string;
  aestheticModel?: string;
  emotionModel?: string;
  /** false: leave faces' expressions out of the offline emotion branch. */
  faces?: boolean;
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

/** The `film` object of `analyze --json`. */
export function filmJson(f: FilmAnalysis, figure: string | null): Record<string, unknown> {
  const r = (o: object): Record<string, number> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v as number, 4)]));
  return {
    cuts: f.cuts.map((t) => round(t, 2)),
    emotion: r(f.emotion),
    faces: f.faces && {
      frames: f.faces.frames,
      framesWithFaces: f.faces.framesWithFaces,
      expression: f.faces.expression && r(f.faces.expression),
    },
    aesthetic: r(f.aesthetic),
    affect: r(f.affect),
    levels: r(f.levels),
    motion: round(f.motion.reduce((a, b) => a + b, 0) / Math.max(1, f.motion.length), 4),
    semantic: {
      source: f.semantic.source,
      dims: f.semantic.vector.length,
      vector: Array.from(f.semantic.vector, (v) => round(v, 5)),
    },
    figure,
  };
}

function filmSummary(f: FilmAnalysis, figure: string | null): string {
  const top = Object.entries(f.emotion).sort((a, b) => b[1] - a[1])[0];
  const a = f.affect;
  const faces = f.faces;
  const expression = faces?.expression
    ? Object.entries(faces.expression).sort((x, y) => y[1] - x[1])[0]
    : null;
  return [
    `  film       ${f.cuts.length} cuts; emotion ${top[0]} (${(100 * top[1]).toFixed(0)}%); aesthetic ${f.aesthetic.overall.toFixed(2)}`,
    faces
      ? `  faces      in ${faces.framesWithFaces} of ${faces.frames} frames (1 fps)${expression ? `; mostly ${expression[0]} (${(100 * expression[1]).toFixed(0)}%)` : ''}`
      : '',
    `  affect     brightness ${a.brightness.toFixed(2)} · pace ${a.pace.toFixed(2)} · valence ${a.valence.toFixed(2)} · arousal ${a.arousal.toFixed(2)} · tension ${a.tension.toFixed(2)}`,
    figure ? `  timeline   ${figure}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function runAnalyze(file: string, opts: AnalyzeCommandOptions): Promise<void> {
  const progress = new StageReporter(Boolean(opts.quiet));
  progress.stage(`reading ${file}`);
  const source = await probe(file);
  const stem = basename(file, extname(file));
  const figures =
    opts.png === false
      ? null
      : {
          music: source.audio ? (opts.png ?? `${stem}.analysis.png`) : null,
          film: source.video ? (opts.filmPng ?? `${stem}.film.png`) : null,
        };
  await checkOutputPaths(
    [{ path: file, role: 'the input' }],
    [
      ...(figures?.music ? [{ path: figures.music, role: '--png' }] : []),
      ...(figures?.film ? [{ path: figures.film, role: '--film-png' }] : []),
    ],
  );
  let music: MusicAnalysis | null = null;
  if (source.audio) {
    ({ music } = await analyzeFile(
      file,
      (e) => {
        if (e.stage === 'decoding') progress.stage(`decoding ${e.durationS.toFixed(1)} s of audio`);
        if (e.stage === 'features')
          progress.stage('computing mel, melody, dynamics, onsets, tempo, beats');
      },
      source,
    ));
  }
  let film: FilmAnalysis | null = null;
  if (source.video) {
    progress.stage('analysing the picture: cuts, motion, aesthetics, affect');
    const load = (p: string | undefined, purpose: string): Promise<OnnxModel | undefined> =>
      p ? OnnxModel.load(p, purpose) : Promise.resolve(undefined);
    const models = {
      semantic: await load(opts.semanticModel, 'semantic image encoder'),
      aesthetic: await load(opts.aestheticModel, 'aesthetic model'),
      emotion: await load(opts.emotionModel, 'emotion model'),
    };
    try {
      film = await analyzeFilm(
        file,
        { ...models, ...(opts.faces === false ? { faces: null } : {}) },
        { info: source },
      );
    } finally {
      await Promise.all(Object.values(models).map((m) => m?.dispose()));
    }
  }
  let figure: string | null = null;
  let filmFigure: string | null = null;
  if (opts.png !== false) {
    if (music) {
      figure = figures!.music!;
      progress.stage(`drawing ${figure}`);
      await writeAnalysisFigure(
        figure,
        music,
        `${basename(file)} — ${music.durationS.toFixed(2)} s, ${music.tempo.toFixed(1)} BPM`,
      );
    }
    if (film) {
      filmFigure = figures!.film!;
      progress.stage(`drawing ${filmFigure}`);
      await writeFilmTimeline(
        filmFigure,
        film,
        `${basename(file)} — ${film.durationS.toFixed(2)} s, ${film.cuts.length} cuts`,
      );
    }
  }
  progress.stage('done');
  progress.done();
  if (opts.json) {
    const out: Record<string, unknown> = music
      ? analysisJson(source, music, figure)
      : { file: source.path, duration: round(source.durationS, 3) };
    if (film) out.film = filmJson(film, filmFigure);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const lines = music
      ? [summary(source, music, figure)]
      : [
          `${source.path}: ${source.durationS.toFixed(2)} s (video ${source.video!.width}×${source.video!.height}, no sound)`,
        ];
    if (film) lines.push(filmSummary(film, filmFigure));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
