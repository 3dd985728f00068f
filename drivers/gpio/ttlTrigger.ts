import type { Clock } from '../../controller/clock.js';
import type { GpioOutputLine } from '../../controller/gpio.js';
import { levelFor, type ActiveLevel } from './safeLevel.js';

export interface TtlTriggerOptions {
  /** Claimed by the caller at its inactive level. */
  readonly line: GpioOutputLine;
  readonly activeLevel: ActiveLevel;
  readonly pulseWidth_us: number;
  readonly clock: Clock;
}

/**
 * A TTL trigger output for pulse modalities (a TMS trigger input, a TTL-gated stimulator).
 *
 * Electrical note: a Raspberry Pi's GPIO is 3.3 V logic and must not see 5 V. Many TTL
 * trigger inputs (TMS machines among them) want 5 V levels or more current than a GPIO pin
 * gives: put a 5 V level shifter / line driver (e.g. a 74HCT buffer) between them.
 *
 * Timing note: the pulse width is timed on the Clock; on a Pi through sysfs or the libgpiod
 * tools the real width is the configured one plus scheduling jitter (tens of us to a few ms).
 * A device that needs an exact width should be triggered by the edge and set its own width.
 */
export class TtlTrigger {
  private high = false;
  private cancelPulse: (() => void) | null = null;
  private closed = false;
  private firedCount = 0;
  private refusedCount = 0;
  private errorCount = 0;

  constructor(private readonly options: TtlTriggerOptions) {}

  get fired(): number {
    return this.firedCount;
  }

  /** Fires refused because a pulse was still high (or the trigger was closed). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Line writes that failed (a trigger that may not have reached the device). */
  get errors(): number {
    return this.errorCount;
  }

  /** Starts one pulse: active now, inactive pulseWidth_us later. False (and counted) while a pulse is high. */
  fire(): boolean {
    if (this.high || this.closed) {
      this.refusedCount++;
      return false;
    }
    this.high = true;
    this.firedCount++;
    const { line, activeLevel, clock, pulseWidth_us } = this.options;
    void line.set(levelFor('active', activeLevel)).catch(() => {
      this.errorCount++;
    });
    this.cancelPulse = clock.setTimer(pulseWidth_us / 1000, () => {
      this.cancelPulse = null;
      void line.set(levelFor('inactive', activeLevel)).catch(() => {
      this.errorCount++;
    }).finally(() => {
        this.high = false;
      });
    });
    return true;
  }

  /** Ends a pulse in progress now (an e-stop): the line goes inactive and stays claimed. */
  endPulse(): void {
    if (this.cancelPulse === null || this.closed) return;
    this.cancelPulse();
    this.cancelPulse = null;
    void this.options.line
      .set(levelFor('inactive', this.options.activeLevel))
      .catch(() => {
        this.errorCount++;
      })
      .finally(() => {
        this.high = false;
      });
  }

  /** Leaves the line inactive (ending a pulse early) and releases it. Safe twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelPulse?.();
    this.cancelPulse = null;
    try {
      await this.options.line.set(levelFor('inactive', this.options.activeLevel));
    } finally {
      this.high = false;
      await this.options.line.release();
    }
  }
}
