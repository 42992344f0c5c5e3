import { EventEmitter } from 'node:events';
import { writeAnalysisFigure } from '../analysis/figure.js';
import { analyzeFile } from '../analysis/music-analysis.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { join } from 'node:path';
import type { GeneratorModel } from '../generator/model-folder.js';
import { defaultVocoderName } from '../decoder/vocoders.js';
import { MediaError } from '../media/errors.js';
import { scoreVideo, type ScoreProgress } from '../score/score-video.js';
import { readStyle } from '../score/style-reference.js';
import type { SchedulerName } from '../sampler/index.js';
import { UsageError } from '../util/errors.js';
import type { AffectLevels } from '../generator/condition.js';
import type { Job, JobStore } from './job-store.js';

/** A job's files in its folder. */
export const JOB_FILES = {
  /** The upload (named by the user's file name): it keeps its extension, when a plain one, for
   * ffmpeg's sake. */
  input: (name: string) => `input${safeExtension(name)}`,
  /** The style reference (S-Control), when one was uploaded. */
  style: (name: string) => `style${safeExtension(name)}`,
  video: (container: string) => `scored.${container}`,
  wav: 'score.wav',
  /** The film's reading: cuts and each window's affect levels (the page's timeline, sliders). */
  reading: 'reading.json',
  /** The score drawn: log-mel, melody, dynamics, onsets (filmscore analyze's figure). */
  figure: 'score.png',
} as const;

/** What the page draws of a scored film. */
export interface FilmReading {
  durationS: number;
  cuts: number[];
  windows: { startS: number; durationS: number; levels: Record<string, number> }[];
  /** Each level's mean over the film, weighted by window length: where the sliders start. */
  levels: Record<string, number>;
}

export function filmReading(
  durationS: number,
  cuts: readonly number[],
  windows: readonly {
    startS: number;
    durationS: number;
    levels: Record<string, number | undefined>;
  }[],
): FilmReading {
  const levels: Record<string, number> = {};
  const weight: Record<string, number> = {};
  for (const w of windows) {
    for (const [k, v] of Object.entries(w.levels)) {
      if (v === undefined) continue;
      levels[k] = (levels[k] ?? 0) + v * w.durationS;
      weight[k] = (weight[k] ?? 0) + w.durationS;
    }
  }
  for (const k of Object.keys(levels)) levels[k] /= weight[k];
  return {
    durationS,
    cuts: [...cuts],
    windows: windows.map((w) => ({
      startS: w.startS,
      durationS: w.durationS,
      levels: Object.fromEntries(
        Object.entries(w.levels).filter(([, v]) => v !== undefined),
      ) as Record<string, number>,
    })),
    levels,
  };
}

/** The upload's extension when it is a plain one, else none (ffmpeg reads the content). */
export function safeExtension(name: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  return m ? `.${m[1].toLowerCase()}` : '';
}

/** Where one job's score progress stands, 0–1: reading the film, the windows' steps, the mux. */
function progressOf(e: ScoreProgress): number {
  if (e.stage === 'reading-film') return 0.05;
  if (e.stage === 'analysing') return 0.05 + (0.9 * (e.window - 1)) / e.windows;
  if (e.stage === 'generating') return 0.05 + (0.9 * (e.window - 1 + e.step / e.steps)) / e.windows;
  return 0.96;
}

/**
 * Runs the store's jobs one at a time, oldest first (two cores: a second job would only slow
 * the first). Emits 'change' with the job whenever its status or progress moves.
 */
export class JobRunner extends EventEmitter {
  private running: { id: string; abort: AbortController } | null = null;
  private stopped = false;
  /** Resolves when the job in hand (if any) has finished; for shutdown and tests. */
  idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private readonly model: GeneratorModel,
  ) {
    super();
  }

  /** Start the next queued job if none is running. */
  kick(): void {
    if (this.running || this.stopped) return;
    const job = this.store.nextQueued();
    if (!job) return;
    this.idle = this.run(job).finally(() => {
      this.running = null;
      this.kick();
    });
  }

  /** Cancel a queued or running job; false when it had already ended. */
  cancel(id: string): boolean {
    const job = this.store.get(id);
    if (!job) return false;
    if (this.running?.id === id) {
      this.running.abort.abort(new Error('cancelled'));
      return true;
    }
    if (job.status === 'queued') {
      this.store.finish(id, 'cancelled');
      this.emit('change', this.store.get(id));
      return true;
    }
    return false;
  }

  /** Stop taking jobs and abort the one in hand (it is queued again at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running?.abort.abort(new Error('server stopping'));
    await this.idle;
  }

  private async run(job: Job): Promise<void> {
    const abort = new AbortController();
    this.running = { id: job.id, abort };
    this.store.start(job.id);
    this.emit('change', this.store.get(job.id));
    const folder = this.store.folder(job.id);
    const m = this.model.manifest;
    const container = job.options.container ?? 'mp4';
    let last = 0;
    try {
      const input = join(folder, JOB_FILES.input(job.name));
      const st = job.options.style;
      const style = st
        ? (
            await readStyle(this.model, join(folder, JOB_FILES.style(st.name)), {
              controls: st.controls,
              scale: st.scale,
              startS: st.startS,
              startName: 'style.startS',
            })
          ).style
        : undefined;
      const result = await scoreVideo(input, join(folder, JOB_FILES.video(container)), this.model, {
        seed: job.options.seed ?? 0,
        steps: job.options.steps ?? m.defaults.steps,
        guidance: job.options.guidance ?? m.defaults.guidance,
        scheduler: (m.defaults.scheduler ?? 'dpm-solver++') as SchedulerName,
        vocoder: defaultVocoderName(m),
        mood: job.options.mood as AffectLevels | undefined,
        loop: job.options.loop,
        hitCuts: job.options.hitCuts,
        style,
        wav: join(folder, JOB_FILES.wav),
        signal: abort.signal,
        onProgress: (e) => {
          const p = progressOf(e);
          // A row write per sampler step is cheap; the events are what the page listens to.
          if (p - last >= 0.01 || e.stage === 'muxing') {
            last = p;
            this.store.setProgress(job.id, p);
            this.emit('change', this.store.get(job.id));
          }
        },
      });
      const reading = filmReading(result.durationS, result.cuts, result.windows);
      await writeFileAtomically(
        join(folder, JOB_FILES.reading),
        Buffer.from(JSON.stringify(reading)),
      );
      // The score's figure, as `filmscore analyze` draws it (a second or two).
      const { music } = await analyzeFile(join(folder, JOB_FILES.wav));
      await writeAnalysisFigure(
        join(folder, JOB_FILES.figure),
        music,
        `${job.name} — score, seed ${job.options.seed ?? 0}`,
      );
      this.store.setProgress(job.id, 1, result.durationS);
      this.store.finish(job.id, 'done');
    } catch (err) {
      if (abort.signal.aborted) {
        if (this.stopped) {
          // Shutting down: the job goes back to the queue for the next start.
          this.store.finish(job.id, 'cancelled');
          this.store.requeue(job.id);
        } else this.store.finish(job.id, 'cancelled');
      } else {
        const userError = err instanceof MediaError || err instanceof UsageError;
        const message = err instanceof Error ? err.message : String(err);
        this.store.finish(job.id, 'failed', userError ? message : `internal error: ${message}`);
      }
    }
    this.emit('change', this.store.get(job.id));
  }
}
