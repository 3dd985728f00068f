import type { GpioChipPort, GpioEdge, GpioInputLine, GpioLevel, GpioOutputLine } from '../../controller/gpio.js';
import { InputError } from '../inputError.js';
import { processToolRunner, type GpioToolRunner, type ToolProcess } from './gpioToolRunner.js';
import { findGpioChip, type SysfsGpioChip } from './sysfsGpioChips.js';

/**
 * GPIO lines through the character device (/dev/gpiochipN) with the libgpiod command-line
 * tools, for kernels built without sysfs GPIO. Offsets are chip-relative here: GPIO17 is
 * line 17 of the header chip whatever the sysfs base would have been.
 *
 * The tools changed their command line between libgpiod 1.x and 2.x (manual pages of
 * gpioset/gpiomon/gpioget v1.6.3 and v2.1):
 *
 * | what                | v1 (1.x)                                     | v2 (2.x)                                         |
 * |---------------------|----------------------------------------------|--------------------------------------------------|
 * | chip                | first positional argument                    | `-c/--chip CHIP`                                 |
 * | hold an output      | `gpioset --mode=signal CHIP L=V` (waits for  | `gpioset -c CHIP L=V` holds until killed (default)|
 * |                     | SIGINT/SIGTERM; default mode exits at once)  |                                                  |
 * | consumer name       | none (the kernel shows "gpioset")            | `-C/--consumer NAME`                             |
 * | edges               | `-r/--rising-edge`, `-f/--falling-edge`,     | `-e/--edges rising|falling|both`                 |
 * |                     | neither = both                               |                                                  |
 * | event format        | `-F/--format`, %e: 1 rising, 0 falling       | `-F/--format`, %e: 1 rising, 2 falling           |
 * | stdout to a pipe    | needs `-b/--line-buffered`                   | flushed before each wait (`-b` is now --bias!)   |
 * | read one line       | `gpioget CHIP L`                             | `gpioget -c CHIP --numeric L`                    |
 * | list chips          | `gpiodetect`: `gpiochip0 [label] (58 lines)` | same format                                      |
 *
 * A line is held only while its tool runs ("the line output state is maintained until the
 * process exits, but after that is not guaranteed"). Changing an output's level therefore
 * ends the holding gpioset and starts one with the new value (v2's interactive mode `-i`
 * exists only when built with it, so it is not relied on): for a few milliseconds the line
 * is not held, and on a Pi the pin keeps its last level meanwhile. Give safety lines
 * (stimulator enable) a pull resistor to their inactive level so an unheld pin is safe.
 */
export type LibgpiodMajor = 1 | 2;

export function libgpiodSetArgv(major: LibgpiodMajor, chip: string, line: number, level: GpioLevel, consumer: string): string[] {
  return major === 1 ? ['gpioset', '--mode=signal', chip, `${line}=${level}`] : ['gpioset', '--chip', chip, '--consumer', consumer, `${line}=${level}`];
}

export function libgpiodGetArgv(major: LibgpiodMajor, chip: string, line: number): string[] {
  return major === 1 ? ['gpioget', chip, `${line}`] : ['gpioget', '--chip', chip, '--numeric', `${line}`];
}

export function libgpiodMonitorArgv(major: LibgpiodMajor, chip: string, line: number, edge: GpioEdge, consumer: string): string[] {
  if (major === 1) {
    const edges = edge === 'rising' ? ['--rising-edge'] : edge === 'falling' ? ['--falling-edge'] : [];
    return ['gpiomon', '--line-buffered', '--format=%o %e', ...edges, chip, `${line}`];
  }
  return ['gpiomon', '--chip', chip, '--consumer', consumer, '--edges', edge, '--format=%o %e', `${line}`];
}

/** The level after the edge that a gpiomon line "%o %e" reports; null for anything else. */
export function parseMonitorLine(major: LibgpiodMajor, text: string): { line: number; level: GpioLevel } | null {
  const match = /^\s*(\d+)\s+(\d)\s*$/.exec(text);
  if (match === null) return null;
  const type = Number(match[2]);
  const level: GpioLevel | null = type === 1 ? 1 : (major === 1 ? type === 0 : type === 2) ? 0 : null;
  return level === null ? null : { line: Number(match[1]), level };
}

/** `gpiodetect` lines: "gpiochip0 [pinctrl-bcm2711] (58 lines)". Base 0: offsets are chip-relative. */
export function parseGpiodetect(text: string): SysfsGpioChip[] {
  const chips: SysfsGpioChip[] = [];
  for (const row of text.split('\n')) {
    const match = /^\s*(gpiochip\d+)\s+\[([^\]]*)\]\s+\((\d+)\s+lines?\)/.exec(row);
    if (match) chips.push({ name: match[1], label: match[2], base: 0, ngpio: Number(match[3]) });
  }
  return chips;
}

export const LIBGPIOD_HINT = 'install the libgpiod tools: sudo apt-get install -y gpiod';

export interface LibgpiodToolsChipOptions {
  readonly chip?: string;
  readonly runner?: GpioToolRunner;
  /** How long a freshly started tool is watched for an early exit (a refused claim) before it counts as holding. */
  readonly startupGrace_ms?: number;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LibgpiodToolsChip implements GpioChipPort {
  readonly description: string;
  private readonly claimed = new Map<number, { consumer: string; stop: () => Promise<void> }>();

  private constructor(
    readonly major: LibgpiodMajor,
    readonly chip: SysfsGpioChip,
    private readonly runner: GpioToolRunner,
    private readonly startupGrace_ms: number,
  ) {
    this.description = `libgpiod v${major} tools, ${chip.name} "${chip.label}"`;
  }

  /** Detects the tools' major version (`gpioset --version`) and finds the chip (`gpiodetect`). */
  static async open(options: LibgpiodToolsChipOptions = {}): Promise<LibgpiodToolsChip> {
    const runner = options.runner ?? processToolRunner();
    const major = await detectLibgpiodMajor(runner);
    const listed = await runner.run(['gpiodetect']);
    if (listed.code !== 0) throw new InputError(`gpiodetect failed (${listed.stderr.trim() || `exit ${listed.code}`}); is /dev/gpiochip* readable (gpio group)?`);
    const found = findGpioChip(parseGpiodetect(listed.stdout), options.chip);
    if ('error' in found) throw new InputError(`gpiodetect: ${found.error}`);
    return new LibgpiodToolsChip(major, found, runner, options.startupGrace_ms ?? 100);
  }

  async output(line: number, initial: GpioLevel, consumer: string): Promise<GpioOutputLine> {
    this.checkFree(line);
    let holder = await this.hold(line, initial, consumer);
    let level: GpioLevel = initial;
    let released = false;
    // Level changes one after another: each replaces the holding gpioset.
    let queue: Promise<void> = Promise.resolve();
    const chip = this;
    const stop = async () => {
      released = true;
      await queue.catch(() => undefined);
      await holder.stop();
    };
    this.claimed.set(line, { consumer, stop });
    return {
      get level() {
        return level;
      },
      set(next: GpioLevel): Promise<void> {
        if (released) return Promise.reject(new Error(`GPIO line ${line} was released`));
        level = next;
        queue = queue.catch(() => undefined).then(async () => {
          await holder.stop();
          holder = await chip.hold(line, next, consumer);
        });
        return queue;
      },
      release: () => this.release(line),
    };
  }

  async input(line: number, edge: GpioEdge, consumer: string): Promise<GpioInputLine> {
    this.checkFree(line);
    // Read the level first: once gpiomon holds the line, gpioget cannot request it.
    const got = await this.runner.run(libgpiodGetArgv(this.major, this.chip.name, line));
    const word = got.stdout.trim().split(/[\s=]+/).at(-1);
    if (got.code !== 0 || (word !== '0' && word !== '1' && word !== 'active' && word !== 'inactive')) {
      throw new InputError(`gpioget ${this.chip.name} ${line} failed: ${got.stderr.trim() || got.stdout.trim() || `exit ${got.code}`}`);
    }
    let level: GpioLevel = word === '1' || word === 'active' ? 1 : 0;
    const listeners: ((level: GpioLevel) => void)[] = [];
    const monitor = this.runner.start(libgpiodMonitorArgv(this.major, this.chip.name, line, edge, consumer));
    monitor.onLine((text) => {
      const event = parseMonitorLine(this.major, text);
      if (event === null || event.line !== line) return;
      level = event.level;
      for (const listener of listeners) listener(event.level);
    });
    await this.checkStarted(monitor, line, consumer);
    this.claimed.set(line, { consumer, stop: () => monitor.stop() });
    return {
      read: async () => level,
      watch: (listener) => void listeners.push(listener),
      release: () => this.release(line),
    };
  }

  async close(): Promise<void> {
    for (const line of [...this.claimed.keys()]) await this.release(line);
  }

  private async release(line: number): Promise<void> {
    const held = this.claimed.get(line);
    if (held === undefined) return;
    this.claimed.delete(line);
    await held.stop();
  }

  private checkFree(line: number): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.chip.ngpio) {
      throw new InputError(`GPIO line ${line} is not on ${this.chip.name} "${this.chip.label}" (lines 0 to ${this.chip.ngpio - 1})`);
    }
    const held = this.claimed.get(line);
    if (held !== undefined) throw Object.assign(new Error(`EBUSY: GPIO line ${line} is already claimed by "${held.consumer}" in this process`), { code: 'EBUSY' });
  }

  private async hold(line: number, level: GpioLevel, consumer: string): Promise<ToolProcess> {
    const tool = this.runner.start(libgpiodSetArgv(this.major, this.chip.name, line, level, consumer));
    await this.checkStarted(tool, line, consumer);
    return tool;
  }

  /** A tool that ends within the grace period did not get the line (busy, no permission, bad argument). */
  private async checkStarted(tool: ToolProcess, line: number, consumer: string): Promise<void> {
    const ended = await Promise.race([tool.exited.then(() => true), delay(this.startupGrace_ms).then(() => false)]);
    if (ended) {
      throw new InputError(`${tool.argv[0]} could not claim ${this.chip.name} line ${line} for ${consumer}: ${tool.stderr() || 'it exited at once'} (${tool.argv.join(' ')})`);
    }
  }
}

/** 1 or 2 from `gpioset --version` ("gpioset (libgpiod) v1.6.3" / "gpioset v2.1"). */
export async function detectLibgpiodMajor(runner: GpioToolRunner): Promise<LibgpiodMajor> {
  const answer = await runner.run(['gpioset', '--version']);
  const match = /\bv(\d+)\.\d+/.exec(answer.stdout);
  if (answer.code !== 0 || match === null) {
    throw new InputError(`the libgpiod tools are not usable (gpioset --version: ${answer.stderr.trim() || answer.stdout.trim() || `exit ${answer.code}`}); ${LIBGPIOD_HINT}`);
  }
  const major = Number(match[1]);
  if (major !== 1 && major !== 2) throw new InputError(`libgpiod tools v${major} are not supported (v1 and v2 are)`);
  return major;
}
