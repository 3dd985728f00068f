/**
 * Progress of long work on stderr, only when it is a terminal (pipes and CI logs stay
 * clean), at most a few times a second, erased when done.
 */
export class Progress {
  private readonly enabled: boolean;
  private last_ms = 0;
  private shown = false;

  constructor(private readonly label: string, enabled = process.stderr.isTTY === true) {
    this.enabled = enabled;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last_ms < 250) return;
    this.last_ms = now;
    process.stderr.write(`\r\x1b[2K${this.label}: ${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}
