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
