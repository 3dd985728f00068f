import type { Clock } from '../controller/clock.js';
import type { GpioChipPort, GpioEdge, GpioInputLine, GpioLevel, GpioOutputLine } from '../controller/gpio.js';

/** One change of an output, at virtual time. */
export interface GpioLevelChange {
  readonly t_ms: number;
  readonly level: GpioLevel;
}

function gpioError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** What a test can see of one line: who holds it, and for outputs every level it was driven to. */
export interface EmulatedLineState {
  readonly direction: 'output' | 'input';
  readonly consumer: string;
  readonly edge: GpioEdge | null;
  /** Outputs: the level at claim time, then every set (repeated levels included). */
  readonly history: GpioLevelChange[];
  released: boolean;
}

/**
 * GPIO lines of the emulated world on the virtual clock (docs/design.md, Hardware).
 * Outputs record every level with its time; inputs follow `drive(line, level)` from the
 * test or the emulated rig and report edges to their watchers at once, as the kernel would.
 * A line claimed twice is refused with EBUSY, as the kernel refuses a line already requested.
 */
export class EmulatedGpioChip implements GpioChipPort {
  readonly description: string;
  /** Every line ever claimed, by offset (released ones stay, with `released` set). */
  readonly lines = new Map<number, EmulatedLineState>();
  /** The level on each pin, driven from outside (inputs) or by the output. Unset pins read 0. */
  private readonly pins = new Map<number, GpioLevel>();
  private readonly watchers = new Map<number, ((level: GpioLevel) => void)[]>();
  /** The outside world listening to an output pin (the emulated stimulator's enable input). */
  private readonly outputListeners = new Map<number, ((level: GpioLevel) => void)[]>();

  constructor(
    private readonly clock: Clock,
    label = 'emulated',
  ) {
    this.description = `emulated GPIO chip "${label}"`;
  }

  async output(line: number, initial: GpioLevel, consumer: string): Promise<GpioOutputLine> {
    const state = this.claim(line, 'output', consumer, null);
    state.history.push({ t_ms: this.clock.now_ms(), level: initial });
    this.pins.set(line, initial);
    this.notifyOutput(line, initial);
    const chip = this;
    let level: GpioLevel = initial;
    return {
      get level() {
        return level;
      },
      async set(next: GpioLevel): Promise<void> {
        if (state.released) throw gpioError('EBADF', `GPIO line ${line} was released`);
        level = next;
        chip.pins.set(line, next);
        state.history.push({ t_ms: chip.clock.now_ms(), level: next });
        chip.notifyOutput(line, next);
      },
      async release(): Promise<void> {
        state.released = true;
      },
    };
  }

  async input(line: number, edge: GpioEdge, consumer: string): Promise<GpioInputLine> {
    const state = this.claim(line, 'input', consumer, edge);
    const listeners: ((level: GpioLevel) => void)[] = [];
    this.watchers.set(line, listeners);
    const chip = this;
    return {
      async read(): Promise<GpioLevel> {
        if (state.released) throw gpioError('EBADF', `GPIO line ${line} was released`);
        return chip.pins.get(line) ?? 0;
      },
      watch(listener: (level: GpioLevel) => void): void {
        listeners.push(listener);
      },
      async release(): Promise<void> {
        state.released = true;
        listeners.length = 0;
      },
    };
  }

  async close(): Promise<void> {
    for (const state of this.lines.values()) state.released = true;
    for (const listeners of this.watchers.values()) listeners.length = 0;
  }

  /**
   * The outside world sets the level on an input pin (a button, a chip's RDY output).
   * A change is an edge: watchers of a claimed line hear it if their edge kind matches.
   */
  drive(line: number, level: GpioLevel): void {
    const before = this.pins.get(line) ?? 0;
    this.pins.set(line, level);
    if (before === level) return;
    const state = this.lines.get(line);
    if (state === undefined || state.released || state.direction !== 'input') return;
    const kind: GpioEdge = level === 1 ? 'rising' : 'falling';
    if (state.edge !== 'both' && state.edge !== kind) return;
    for (const listener of [...(this.watchers.get(line) ?? [])]) listener(level);
  }

  /** Calls `listener` with every level an output on `line` is driven to (whoever claims it). */
  onOutput(line: number, listener: (level: GpioLevel) => void): void {
    const listeners = this.outputListeners.get(line) ?? [];
    listeners.push(listener);
    this.outputListeners.set(line, listeners);
  }

  private notifyOutput(line: number, level: GpioLevel): void {
    for (const listener of this.outputListeners.get(line) ?? []) listener(level);
  }

  /** The level on a pin now (outputs: what was last set). */
  levelOf(line: number): GpioLevel {
    return this.pins.get(line) ?? 0;
  }

  /** Levels an output was driven to, in order (the claim's initial level first). */
  historyOf(line: number): GpioLevelChange[] {
    return this.lines.get(line)?.history ?? [];
  }

  private claim(line: number, direction: 'output' | 'input', consumer: string, edge: GpioEdge | null): EmulatedLineState {
    const held = this.lines.get(line);
    if (held !== undefined && !held.released) throw gpioError('EBUSY', `GPIO line ${line} is already claimed by "${held.consumer}"`);
    const state: EmulatedLineState = { direction, consumer, edge, history: [], released: false };
    this.lines.set(line, state);
    return state;
  }
}
