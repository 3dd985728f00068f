import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../controller/clock.js';
import type { GpioEdge, GpioLevel } from '../../controller/gpio.js';
import { EstopInput } from '../../drivers/gpio/estopInput.js';
import { processToolRunner } from '../../drivers/gpio/gpioToolRunner.js';
import { LibgpiodToolsChip, parseMonitorLine } from '../../drivers/gpio/libgpiodToolsChip.js';
import { openGpioChip } from '../../drivers/gpio/openGpioChip.js';
import { levelFor } from '../../drivers/gpio/safeLevel.js';
import { OnoffGpioChip, type OnoffGpio, type OnoffGpioConstructor } from '../../drivers/gpio/sysfsGpioChip.js';
import { findGpioChip, listSysfsGpioChips } from '../../drivers/gpio/sysfsGpioChips.js';
import { TtlTrigger } from '../../drivers/gpio/ttlTrigger.js';
import { EmulatedGpioChip } from '../../sim/emulatedGpioChip.js';
import { VirtualClock } from '../../sim/virtualClock.js';

const scratch = mkdtempSync(join(tmpdir(), 'neuroloop-gpio-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake /sys/class/gpio with these chips (name, label, base, ngpio). */
function sysfsTree(name: string, chips: [string, string, number, number][]): string {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'export'), '');
  for (const [dir, label, base, ngpio] of chips) {
    mkdirSync(join(root, dir));
    writeFileSync(join(root, dir, 'label'), `${label}\n`);
    writeFileSync(join(root, dir, 'base'), `${base}\n`);
    writeFileSync(join(root, dir, 'ngpio'), `${ngpio}\n`);
  }
  return root;
}

const PI4_KERNEL_6_6 = sysfsTree('pi4-6.6', [
  ['gpiochip512', 'pinctrl-bcm2711', 512, 58],
  ['gpiochip570', 'raspberrypi-exp-gpio', 570, 8],
]);
const PI5 = sysfsTree('pi5', [
  ['gpiochip512', 'gpio-brcmstb@107d508500', 512, 32],
  ['gpiochip544', 'gpio-brcmstb@107d517c00', 544, 15],
  ['gpiochip571', 'pinctrl-rp1', 571, 54],
]);
const OLD_KERNEL = sysfsTree('pi3-5.10', [
  ['gpiochip0', 'pinctrl-bcm2835', 0, 54],
  ['gpiochip504', 'raspberrypi-exp-gpio', 504, 8],
]);
const NO_SYSFS = join(scratch, 'no-such-folder');

describe('header chip discovery (findGpioChip over sysfs)', () => {
  it('Pi 4 on kernel 6.6: pinctrl-bcm2711 at base 512', () => {
    expect(findGpioChip(listSysfsGpioChips(PI4_KERNEL_6_6))).toMatchObject({ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512 });
  });

  it('Pi 5: the RP1 chip at base 571, not the brcmstb chips around it', () => {
    expect(findGpioChip(listSysfsGpioChips(PI5))).toMatchObject({ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571 });
  });

  it('old kernel: pinctrl-bcm2835 at base 0', () => {
    expect(findGpioChip(listSysfsGpioChips(OLD_KERNEL))).toMatchObject({ name: 'gpiochip0', base: 0 });
  });

  it('gpio.chip names another chip; a missing one is an error listing what is there', () => {
    expect(findGpioChip(listSysfsGpioChips(PI5), 'gpiochip544')).toMatchObject({ base: 544 });
    expect(findGpioChip(listSysfsGpioChips(PI5), 'nope')).toEqual({ error: expect.stringMatching(/"nope" not found.*gpiochip571 "pinctrl-rp1" base 571/) });
  });
});

/** Stands in for the onoff native module: records what the backend asked the kernel for. */
function fakeOnoff() {
  const made: { gpio: number; direction: string; edge?: string; unexported: boolean; watchers: ((err: Error | null | undefined, v: GpioLevel) => void)[] }[] = [];
  const Gpio = class implements OnoffGpio {
    private readonly record;
    constructor(gpio: number, direction: 'in' | 'out' | 'high' | 'low', edge?: 'none' | GpioEdge) {
      this.record = { gpio, direction, edge, unexported: false, watchers: [] as ((err: Error | null | undefined, v: GpioLevel) => void)[] };
      made.push(this.record);
    }
    async read(): Promise<GpioLevel> {
      return 1;
    }
    async write(): Promise<void> {}
    watch(cb: (err: Error | null | undefined, v: GpioLevel) => void): void {
      this.record.watchers.push(cb);
    }
    unwatchAll(): void {
      this.record.watchers.length = 0;
    }
    unexport(): void {
      this.record.unexported = true;
    }
  } satisfies OnoffGpioConstructor;
  return { Gpio, made };
}

describe('sysfs backend (onoff)', () => {
  it('Pi 4 kernel 6.6: line = 512 + offset; outputs start at their level through the direction string', async () => {
    const { Gpio, made } = fakeOnoff();
    const chip = await OnoffGpioChip.open({ root: PI4_KERNEL_6_6, Gpio });
    expect(chip.description).toBe('sysfs (onoff), gpiochip512 "pinctrl-bcm2711", base 512');
    await chip.output(17, 0, 'enable');
    await chip.output(18, 1, 'trigger');
    const estop = await chip.input(27, 'falling', 'estop');
    expect(made.map(({ gpio, direction, edge }) => ({ gpio, direction, edge }))).toEqual([
      { gpio: 529, direction: 'low', edge: undefined },
      { gpio: 530, direction: 'high', edge: undefined },
      { gpio: 539, direction: 'in', edge: 'falling' },
    ]);
    const seen: GpioLevel[] = [];
    estop.watch((level) => seen.push(level));
    made[2].watchers[0](null, 0);
    made[2].watchers[0](new Error('read failed'), 1);
    expect(seen).toEqual([0]);
  });

  it('Pi 5: base 571; old kernel: base 0', async () => {
    const pi5 = fakeOnoff();
    await (await OnoffGpioChip.open({ root: PI5, Gpio: pi5.Gpio })).output(17, 0, 'enable');
    expect(pi5.made[0].gpio).toBe(588);
    const old = fakeOnoff();
    await (await OnoffGpioChip.open({ root: OLD_KERNEL, Gpio: old.Gpio })).output(17, 0, 'enable');
    expect(old.made[0].gpio).toBe(17);
  });

  it('a line claimed twice is EBUSY; a line past the chip is refused; close unexports', async () => {
    const { Gpio, made } = fakeOnoff();
    const chip = await OnoffGpioChip.open({ root: PI4_KERNEL_6_6, Gpio });
    await chip.output(17, 0, 'enable');
    await expect(chip.input(17, 'both', 'estop')).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(chip.output(58, 0, 'x')).rejects.toThrow(/not on gpiochip512/);
    await chip.close();
    expect(made.every((m) => m.unexported)).toBe(true);
  });

  it('no header chip: the error names the root and what is present', async () => {
    const { Gpio } = fakeOnoff();
    await expect(OnoffGpioChip.open({ root: NO_SYSFS, Gpio })).rejects.toThrow(/no-such-folder: no Raspberry Pi header GPIO chip/);
  });
});

/**
 * Fake libgpiod tools: real executables first in PATH that record their argv (one line per
 * run, arguments separated by \x1f) and print like the real ones.
 */
function fakeTools(version: '1.6.3' | '2.1', options: { events?: string[]; getValue?: string } = {}) {
  const dir = mkdtempSync(join(scratch, `tools-v${version}-`));
  const log = join(dir, 'argv.log');
  const record = `{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\n'; } >> '${log}'`;
  const hold = `trap 'kill $child 2>/dev/null; exit 0' TERM INT; sleep 1000 & child=$!; wait $child`;
  const tools: Record<string, string> = {
    gpioset: `if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) v${version}"; exit 0; fi\n${record}\n${hold}`,
    gpiodetect: `${record}\necho "gpiochip0 [pinctrl-bcm2711] (58 lines)"\necho "gpiochip1 [raspberrypi-exp-gpio] (8 lines)"`,
    gpioget: `${record}\necho "${options.getValue ?? '1'}"`,
    // Events come a moment after the start, once the caller is watching (as a button press would).
    gpiomon: `${record}\n${options.events ? `sleep 0.3\n${options.events.map((e) => `echo "${e}"`).join('\n')}` : ''}\n${hold}`,
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const runner = processToolRunner({ ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter(Boolean).map((l) => l.split('\x1f'));
  return { runner, calls };
}

describe('libgpiod tools backend', () => {
  it('v2: gpioset -c CHIP --consumer NAME LINE=VAL held until killed; each level change replaces it', async () => {
    const { runner, calls } = fakeTools('2.1');
    const chip = await LibgpiodToolsChip.open({ runner, startupGrace_ms: 50 });
    expect(chip.major).toBe(2);
    expect(chip.description).toBe('libgpiod v2 tools, gpiochip0 "pinctrl-bcm2711"');
    const enable = await chip.output(17, 0, 'neuroloop enable');
    await enable.set(1);
    // The driver takes a gpioset still running after its 50 ms grace as holding the line; on a
    // loaded machine the fake tool's shell may not have logged its arguments by then (this
    // test once failed so under CI load): wait for the log, then release.
    await vi.waitFor(() =>
      expect(calls()).toEqual([
        ['gpiodetect'],
        ['gpioset', '--chip', 'gpiochip0', '--consumer', 'neuroloop enable', '17=0'],
        ['gpioset', '--chip', 'gpiochip0', '--consumer', 'neuroloop enable', '17=1'],
      ]),
      { timeout: 10_000 },
    );
    await enable.release();
  });

  it('v1: gpioset --mode=signal CHIP LINE=VAL (no consumer option)', async () => {
    const { runner, calls } = fakeTools('1.6.3');
    const chip = await LibgpiodToolsChip.open({ runner, startupGrace_ms: 50 });
    expect(chip.major).toBe(1);
    const enable = await chip.output(17, 1, 'neuroloop enable');
    await chip.close();
    expect(enable.level).toBe(1);
    expect(calls().slice(1)).toEqual([['gpioset', '--mode=signal', 'gpiochip0', '17=1']]);
  });

  it('v2 input: gpioget --numeric first, then gpiomon -c CHIP --edges; events "offset 1|2" become levels', async () => {
    const { runner, calls } = fakeTools('2.1', { events: ['27 2', '27 1'], getValue: '1' });
    const chip = await LibgpiodToolsChip.open({ runner, startupGrace_ms: 50 });
    const seen: GpioLevel[] = [];
    const estop = await chip.input(27, 'both', 'neuroloop estop');
    estop.watch((level) => seen.push(level));
    expect(await estop.read()).toBe(1);
    await vi.waitFor(() => expect(seen).toEqual([0, 1]), { timeout: 10_000 });
    await chip.close();
    expect(calls().slice(1)).toEqual([
      ['gpioget', '--chip', 'gpiochip0', '--numeric', '27'],
      ['gpiomon', '--chip', 'gpiochip0', '--consumer', 'neuroloop estop', '--edges', 'both', '--format=%o %e', '27'],
    ]);
  });

  it('v1 input: gpioget CHIP LINE, gpiomon --line-buffered --format with -f for falling edges', async () => {
    const { runner, calls } = fakeTools('1.6.3', { getValue: '0' });
    const chip = await LibgpiodToolsChip.open({ runner, startupGrace_ms: 50 });
    const estop = await chip.input(27, 'falling', 'neuroloop estop');
    expect(await estop.read()).toBe(0);
    await chip.close();
    expect(calls().slice(1)).toEqual([
      ['gpioget', 'gpiochip0', '27'],
      ['gpiomon', '--line-buffered', '--format=%o %e', '--falling-edge', 'gpiochip0', '27'],
    ]);
  });

  it('edge codes differ: v1 0 = falling, v2 2 = falling', () => {
    expect(parseMonitorLine(1, '27 0')).toEqual({ line: 27, level: 0 });
    expect(parseMonitorLine(1, '27 1')).toEqual({ line: 27, level: 1 });
    expect(parseMonitorLine(2, '27 2')).toEqual({ line: 27, level: 0 });
    expect(parseMonitorLine(2, '27 1')).toEqual({ line: 27, level: 1 });
    expect(parseMonitorLine(2, '27 0')).toBeNull();
    expect(parseMonitorLine(1, 'event: RISING EDGE')).toBeNull();
  });

  it('a claimed line is EBUSY within the process', async () => {
    const { runner } = fakeTools('2.1');
    const chip = await LibgpiodToolsChip.open({ runner, startupGrace_ms: 50 });
    await chip.output(17, 0, 'a');
    await expect(chip.output(17, 0, 'b')).rejects.toMatchObject({ code: 'EBUSY' });
    await chip.close();
  });
});

describe('openGpioChip', () => {
  const noTools = processToolRunner({ ...process.env, PATH: join(scratch, 'empty-path') });

  it('auto: sysfs when the header chip is there and onoff loads', async () => {
    const { Gpio } = fakeOnoff();
    const chip = await openGpioChip({ backend: 'auto' }, { sysfsRoot: PI4_KERNEL_6_6, loadGpio: async () => Gpio, runner: noTools });
    expect(chip.description).toMatch(/^sysfs/);
  });

  it('auto: libgpiod tools when there is no sysfs GPIO', async () => {
    const { runner } = fakeTools('2.1');
    const chip = await openGpioChip({ backend: 'auto' }, { sysfsRoot: NO_SYSFS, runner });
    expect(chip.description).toMatch(/^libgpiod v2/);
  });

  it('auto: libgpiod tools when onoff does not load', async () => {
    const { runner } = fakeTools('1.6.3');
    const chip = await openGpioChip({ backend: 'auto' }, { sysfsRoot: PI4_KERNEL_6_6, loadGpio: () => Promise.reject(new Error('no onoff')), runner });
    expect(chip.description).toMatch(/^libgpiod v1/);
  });

  it('sysfs asked for on a kernel without it: the error says so before onoff is even loaded', async () => {
    let loaded = false;
    const loadGpio = async () => {
      loaded = true;
      return fakeOnoff().Gpio;
    };
    await expect(openGpioChip({ backend: 'sysfs' }, { sysfsRoot: NO_SYSFS, loadGpio })).rejects.toThrow(/no Raspberry Pi header GPIO chip.*try libgpiod/);
    expect(loaded).toBe(false);
  });

  it('auto with neither: one error naming both fixes', async () => {
    await expect(openGpioChip({ backend: 'auto' }, { sysfsRoot: NO_SYSFS, runner: noTools })).rejects.toThrow(/sysfs: .*onoff.*libgpiod: .*apt-get install -y gpiod/);
  });
});

describe('EmulatedGpioChip', () => {
  it('records output levels on the clock, refuses a second claim with EBUSY, shows released lines', async () => {
    const clock = new VirtualClock('max');
    const chip = new EmulatedGpioChip(clock);
    const out = await chip.output(5, 0, 'a');
    await sleep(clock, 2);
    await out.set(1);
    expect(chip.historyOf(5)).toEqual([{ t_ms: 0, level: 0 }, { t_ms: 2, level: 1 }]);
    await expect(chip.input(5, 'both', 'b')).rejects.toMatchObject({ code: 'EBUSY' });
    await out.release();
    expect(chip.lines.get(5)?.released).toBe(true);
    await chip.input(5, 'both', 'b'); // free again once released
  });

  it('inputs report only the edges asked for', async () => {
    const chip = new EmulatedGpioChip(new VirtualClock('max'));
    const rising: GpioLevel[] = [];
    const falling: GpioLevel[] = [];
    (await chip.input(1, 'rising', 'r')).watch((l) => rising.push(l));
    (await chip.input(2, 'falling', 'f')).watch((l) => falling.push(l));
    for (const level of [1, 0, 1, 1, 0] as GpioLevel[]) {
      chip.drive(1, level);
      chip.drive(2, level);
    }
    expect(rising).toEqual([1, 1]);
    expect(falling).toEqual([0, 0]);
  });
});

describe('EstopInput', () => {
  async function estopRig(activeLevel: 'high' | 'low', debounce_ms = 5) {
    const clock = new VirtualClock('max');
    const chip = new EmulatedGpioChip(clock);
    const idle = levelFor('inactive', activeLevel);
    chip.drive(27, idle); // the pull-up (or pull-down) holds the idle level
    const presses: number[] = [];
    const estop = await EstopInput.open(chip, 27, { activeLevel, debounce_ms, clock, onPress: () => presses.push(clock.now_ms()) });
    /** Drives the levels at the given virtual times. */
    const play = async (steps: [number, GpioLevel][]) => {
      for (const [t_ms, level] of steps) {
        await sleep(clock, t_ms - clock.now_ms());
        chip.drive(27, level);
      }
    };
    return { clock, chip, estop, presses, play };
  }

  it('the first edge to the active level calls onPress synchronously, inside the edge', async () => {
    const { chip, estop, presses } = await estopRig('low');
    chip.drive(27, 0);
    expect(presses).toEqual([0]);
    expect(estop.presses).toBe(1);
    expect(await estop.isPressed()).toBe(true);
  });

  it('bounces of the press and of the release within debounce_ms are ignored; a later press counts', async () => {
    const { estop, presses, play } = await estopRig('low', 5);
    await play([
      [10, 0], [11, 1], [12, 0], [13, 1], [14, 0], // press with bounces
      [200, 1], [201, 0], [202, 1], // release with bounces
      [500, 0], // a new press
    ]);
    expect(presses).toEqual([10, 500]);
    expect(estop.presses).toBe(2);
    expect(estop.bounces).toBe(3);
  });

  it('active-high button: rising edges press', async () => {
    const { presses, play } = await estopRig('high', 5);
    await play([[3, 1], [4, 0], [5, 1], [50, 0], [100, 1]]);
    expect(presses).toEqual([3, 100]);
  });
});

describe('TtlTrigger', () => {
  async function triggerRig(activeLevel: 'high' | 'low', pulseWidth_us: number) {
    const clock = new VirtualClock('max');
    const chip = new EmulatedGpioChip(clock);
    const line = await chip.output(22, levelFor('inactive', activeLevel), 'trigger');
    const trigger = new TtlTrigger({ line, activeLevel, pulseWidth_us, clock });
    return { clock, chip, trigger };
  }

  it('a pulse is active for pulseWidth_us on the clock, then inactive', async () => {
    const { clock, chip, trigger } = await triggerRig('high', 250);
    await sleep(clock, 10);
    expect(trigger.fire()).toBe(true);
    await sleep(clock, 5);
    expect(chip.historyOf(22)).toEqual([
      { t_ms: 0, level: 0 },
      { t_ms: 10, level: 1 },
      { t_ms: 10.25, level: 0 },
    ]);
    expect(trigger.fired).toBe(1);
  });

  it('refuses (and counts) a fire while the pulse is high; fires again afterwards', async () => {
    const { clock, trigger } = await triggerRig('high', 1000);
    expect(trigger.fire()).toBe(true);
    expect(trigger.fire()).toBe(false);
    expect(trigger.refused).toBe(1);
    await sleep(clock, 2);
    expect(trigger.fire()).toBe(true);
    expect(trigger.fired).toBe(2);
  });

  it('active low: the pulse goes to 0 V; close mid-pulse leaves it inactive and released', async () => {
    const { chip, trigger } = await triggerRig('low', 1000);
    trigger.fire();
    expect(chip.levelOf(22)).toBe(0);
    await trigger.close();
    expect(chip.levelOf(22)).toBe(1);
    expect(chip.lines.get(22)?.released).toBe(true);
    expect(trigger.fire()).toBe(false);
    await trigger.close();
  });
});
