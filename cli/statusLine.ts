import type { SessionStep } from '../controller/session.js';
import { liveLineDrawn, liveLineGone } from './terminalLiveLine.js';

export interface StatusContext {
  readonly thresholds: readonly number[];
  readonly policyState: string;
  readonly governorState: string;
  /** Hardware source: its measured rate and losses (e.g. "adc 221.4 Hz measured, 0 lost"). */
  readonly driver?: string;
}

/**
 * The one-line live view of a running session: data time, biomarker and threshold(s),
 * applied amplitude, the policy's and the governor's state. On a terminal it is redrawn
 * in place a few times a second; elsewhere (a pipe, a log) one line per second of data.
 */
export class StatusLine {
  private readonly tty: boolean;
  private lastDraw_ms = Number.NEGATIVE_INFINITY;
  private lastPrinted_s = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Wipes the drawn line (handed to the logger through terminalLiveLine.ts). */
  private readonly wipe = (): void => {
    this.out.write('\r\x1b[2K');
  };

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = out.isTTY === true;
    // `run | head`: the reader leaving must not stop the session (stimulation keeps its
    // orderly end); the view just goes quiet.
    out.on('error', () => {
      this.closed = true;
    });
  }

  show(step: SessionStep, context: StatusContext): void {
    if (this.closed) return;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw_ms < 100) return;
      this.lastDraw_ms = now;
      this.out.write(`\r\x1b[2K${format(step, context)}`);
      liveLineDrawn(this.wipe);
    } else if (step.t_s - this.lastPrinted_s >= 1) {
      this.lastPrinted_s = step.t_s;
      this.out.write(`${format(step, context)}\n`);
    }
  }

  end(): void {
    if (this.tty && !this.closed) this.out.write('\n');
    liveLineGone();
  }
}

function format(step: SessionStep, c: StatusContext): string {
  const marker = Number.isFinite(step.biomarker) ? step.biomarker.toFixed(3) : '-';
  // Three decimals as the biomarker has, without trailing zeros: a calibrated threshold is a long float.
  const thresholds = c.thresholds.length > 0 ? ` (${c.thresholds.map((t) => Number(t.toFixed(3)).toString()).join(' / ')})` : '';
  const a = step.applied;
  const stim = a.enabled ? `${a.amplitude_mA.toFixed(2)} mA ${a.frequency_Hz} Hz ${a.pulseWidth_us} us` : 'off';
  const validity = step.valid ? 'valid' : 'invalid';
  const driver = c.driver === undefined ? '' : ` | ${c.driver}`;
  return `t ${step.t_s.toFixed(1).padStart(7)} s | biomarker ${marker}${thresholds} ${validity} | stim ${stim} | policy ${c.policyState} | ${c.governorState}${driver}`;
}
