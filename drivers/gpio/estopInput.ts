import type { Clock } from '../../controller/clock.js';
import type { GpioChipPort, GpioInputLine, GpioLevel } from '../../controller/gpio.js';
import { levelFor, type ActiveLevel } from './safeLevel.js';

export interface EstopInputOptions {
  /** Claimed with edge 'both': releases must be seen too, so their bounces can be ignored. */
  readonly line: GpioInputLine;
  readonly activeLevel: ActiveLevel;
  readonly debounce_ms: number;
  readonly clock: Clock;
  /** Called synchronously inside the edge callback of the first edge of a press (the lead wires it to session.estop). */
  onPress(): void;
}

/**
 * The e-stop button (docs/design.md, Hardware and Commands: e-stop is never delayed).
 *
 * The FIRST edge to the active level is a press and calls onPress() at once, with no
 * debounce delay in front of it: debouncing here only decides what is NOT a new press. An
 * edge to the active level counts only if the line was quiet (no edge of either kind) for
 * debounce_ms before it, so the bounces of a press and of its release are ignored, on the
 * clock. A missed bounce costs nothing anyway: the governor's e-stop latches.
 */
export class EstopInput {
  private readonly active: GpioLevel;
  private lastEdge_ms = Number.NEGATIVE_INFINITY;
  private pressCount = 0;
  private ignored = 0;

  constructor(private readonly options: EstopInputOptions) {
    this.active = levelFor('active', options.activeLevel);
    options.line.watch((level) => this.onEdge(level));
  }

  /** Claims `line` on `chip` as an input watching both edges and wraps it. */
  static async open(chip: GpioChipPort, line: number, options: Omit<EstopInputOptions, 'line'>): Promise<EstopInput> {
    const input = await chip.input(line, 'both', 'neuroloop e-stop');
    return new EstopInput({ ...options, line: input });
  }

  /** Presses counted (bounces excluded). */
  get presses(): number {
    return this.pressCount;
  }

  /** Edges ignored as bounces. */
  get bounces(): number {
    return this.ignored;
  }

  /** True when the button is held now (a session must not start with the e-stop pressed). */
  async isPressed(): Promise<boolean> {
    return (await this.options.line.read()) === this.active;
  }

  release(): Promise<void> {
    return this.options.line.release();
  }

  private onEdge(level: GpioLevel): void {
    const now_ms = this.options.clock.now_ms();
    const quiet = now_ms - this.lastEdge_ms >= this.options.debounce_ms;
    this.lastEdge_ms = now_ms;
    if (level !== this.active) return;
    if (!quiet) {
      this.ignored++;
      return;
    }
    this.pressCount++;
    this.options.onPress();
  }
}
