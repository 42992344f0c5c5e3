import type { ScoreProgress } from '../score/score-video.js';

/**
 * Progress lines on stderr (stdout stays clean for --json). On a terminal a stage overwrites
 * the previous one; in a log each stage is its own line. Elapsed time is shown for each.
 */
export class StageReporter {
  private readonly start = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  constructor(private readonly quiet: boolean) {}

  stage(text: string): void {
    if (this.quiet) return;
    const line = `[${((Date.now() - this.start) / 1000).toFixed(1)} s] ${text}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws in place (at most ten
 * times a second); in a log it prints a line every 10 %.
 */
export class ProgressBar {
  private readonly start = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly unit: string,
    private readonly quiet: boolean,
  ) {}

  update(done: number, total: number): void {
    if (this.quiet || total <= 0) return;
    const now = Date.now();
    const decile = Math.floor((10 * done) / total);
    if (this.tty ? now - this.lastDraw < 100 && done < total : decile === this.lastDecile) return;
    this.lastDraw = now;
    this.lastDecile = decile;
    const elapsed = (now - this.start) / 1000;
    const rate = done / Math.max(elapsed, 1e-3);
    const eta = done > 0 ? (total - done) / rate : Infinity;
    const width = 30;
    const filled = Math.round((width * done) / total);
    const bar =
      '='.repeat(filled) +
      (filled < width ? '>' : '') +
      ' '.repeat(Math.max(0, width - filled - 1));
    const line = `${this.label} [${bar}] ${done}/${total} ${this.unit} · ${(rate * 60).toFixed(0)}/min · ETA ${formatDuration(eta)}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}

/**
 * A window-by-window score's progress (`ScoreProgress`): the film's reading as a stage (when
 * there is a film), a bar per window's denoising steps, and the output's writing.
 */
export class WindowProgress {
  private bar: ProgressBar | null = null;
  private barWindow = 0;

  constructor(
    private readonly stages: StageReporter,
    private readonly quiet: boolean,
    private readonly readsFilm: boolean,
    private readonly output: string,
  ) {}

  readonly report = (e: ScoreProgress): void => {
    if (e.stage === 'reading-film') {
      if (this.readsFilm) this.stages.stage('reading the film');
    } else if (e.stage === 'analysing') {
      // The window's stretch of the film is already read: its bar follows at once.
    } else if (e.stage === 'generating') {
      let bar = this.bar;
      if (!bar || this.barWindow !== e.window) {
        bar?.done();
        bar = this.bar = new ProgressBar(`window ${e.window}/${e.windows}`, 'steps', this.quiet);
        this.barWindow = e.window;
      }
      bar.update(e.step, e.steps);
    } else {
      this.writing();
      if (e.note) this.stages.stage(e.note);
    }
  };

  /** The windows are done: the output is being written. */
  writing(): void {
    this.bar?.done();
    this.bar = null;
    this.stages.stage(`writing ${this.output}`);
  }
}
