/**
 * One redrawn line on a terminal; on a pipe or a CI log, where carriage returns pile up, it
 * prints at most one line every 10% instead.
 */
export class ProgressBar {
  private lastTenth = -1;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly width = 30,
  ) {}

  draw(fraction: number, text: string): void {
    const f = Math.min(Math.max(fraction, 0), 1);
    if (this.stream.isTTY) {
      const filled = Math.round(f * this.width);
      this.stream.write(`\r[${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(f * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      this.stream.write(`  ${String(tenth * 10).padStart(3)}%  ${text}\n`);
    }
  }

  /** Removes the bar so that a log line can take its place. */
  clear(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
    this.lastTenth = -1;
  }
}
