import type { FeatureFrame } from '../signals/featureExtractor.js';

/**
 * The one-line live view of a running session. On a terminal it is redrawn in place a few
 * times a second; elsewhere (a pipe, a log) one line per second of data is printed.
 */
export class StatusLine {
  private readonly tty: boolean;
  private lastDraw_ms = -Infinity;
  private lastPrinted_s = -Infinity;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = out.isTTY === true;
  }

  show(frame: FeatureFrame, bandToShow: string): void {
    const power = frame.bandPower[bandToShow];
    const cells = power ? Array.from(power, (p) => p.toFixed(1)).join(' ') : '';
    const marker = Number.isFinite(frame.biomarker) ? frame.biomarker.toFixed(3) : '-';
    const state = frame.valid ? 'valid' : `invalid (${frame.reasons.join(', ') || 'signal'})`;
    const text = `t ${frame.t_s.toFixed(1).padStart(7)} s | ${bandToShow} ${cells} uV^2 | biomarker ${marker} | ${state} | stim off`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw_ms < 100) return;
      this.lastDraw_ms = now;
      this.out.write(`\r\x1b[2K${text}`);
    } else if (frame.t_s - this.lastPrinted_s >= 1) {
      this.lastPrinted_s = frame.t_s;
      this.out.write(`${text}\n`);
    }
  }

  end(): void {
    if (this.tty) this.out.write('\n');
  }
}
