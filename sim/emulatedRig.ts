import type { Config } from '../config/schema.js';
import type { GpioLevel } from '../controller/gpio.js';
import { EmulatedAds1x15 } from './emulatedAds1x15.js';
import { EmulatedGpioChip } from './emulatedGpioChip.js';
import { EmulatedI2cBus, type I2cFault } from './emulatedI2cBus.js';
import { EmulatedMcp4725 } from './emulatedMcp4725.js';
import { SeededRandom } from './seededRandom.js';
import { SyntheticBrain } from './syntheticBrain.js';
import { VirtualClock } from './virtualClock.js';

/** AIN0..AIN3 of the ADS1x15: the brain drives AIN0-AIN2, AIN3 carries the bias only (a reference). */
const BRAIN_INPUTS = 3;
/** How long the emulated e-stop button is held down. */
const ESTOP_HOLD_MS = 200;

/**
 * The emulated bench (docs/design.md, Hardware): one virtual clock, one I2C bus with the
 * configured ADS1x15 and MCP4725 on it, emulated GPIO lines, and the simulated patient
 * wired through them: the brain's signals are the ADC's input voltages (through the front
 * end's gain, on a common-mode bias), and the DAC's output voltage, while the enable line
 * is active, is the stimulation current (through `mA_per_V`) that reaches the plant.
 * The real drivers (drivers/) run on top, unchanged. Faults from the config are scheduled
 * on the virtual clock.
 */
export class EmulatedRig {
  readonly clock: VirtualClock;
  readonly bus: EmulatedI2cBus;
  readonly gpio: EmulatedGpioChip;
  readonly brain: SyntheticBrain;
  readonly ads: EmulatedAds1x15 | null = null;
  readonly dac: EmulatedMcp4725 | null = null;
  private dacVolts = 0;
  private enableActive = true;
  private readonly stimFrequency_Hz: number;

  /** True when the config asks for emulated hardware (an emulated MCP4725 comes only with an emulated ADC: the config checks it). */
  static wanted(config: Config): boolean {
    const s = config.source;
    return (s.kind === 'ads1115' || s.kind === 'ads1015') && s.emulated;
  }

  constructor(config: Config, pacing: 'realtime' | 'max') {
    this.clock = new VirtualClock(pacing);
    const source = config.source;
    const ads = source.kind === 'ads1115' || source.kind === 'ads1015' ? source : null;
    const faults = ads?.emulation.faults;
    const random = new SeededRandom((ads?.emulation.seed ?? 1) ^ 0x5eed);
    const adsAddress = ads?.address ?? -1;
    this.bus = new EmulatedI2cBus(this.clock, {
      fault: (address, _direction, now_ms): I2cFault => {
        if (address !== adsAddress || faults === undefined) return null;
        const t_s = now_ms / 1000;
        if (faults.stall && t_s >= faults.stall.at_s && t_s < faults.stall.at_s + faults.stall.for_s) return 'stall';
        if (faults.eioProbability > 0 && random.uniform() < faults.eioProbability) return { code: 'EIO' };
        return null;
      },
    });
    this.gpio = new EmulatedGpioChip(this.clock);
    this.stimFrequency_Hz = config.stimulator.kind === 'mcp4725' ? config.stimulator.emulation.frequency_Hz : 130;

    if (ads) {
      const e = ads.emulation;
      const trueRate_SPS = ads.dataRate_SPS * (1 + e.oscillatorError);
      // The patient is sampled at every conversion, whichever input it converts.
      this.brain = new SyntheticBrain({ fs_Hz: trueRate_SPS, channels: BRAIN_INPUTS, seed: e.seed, brain: e.brain, plant: e.plant });
      const sample = Array.from({ length: BRAIN_INPUTS }, () => new Float32Array(1));
      const gain = ads.frontEndGain;
      const bias = e.bias_V;
      const rdyLine = ads.alertRdyLine;
      this.ads = new EmulatedAds1x15({
        address: ads.address,
        variant: ads.kind,
        clock: this.clock,
        oscillatorError: e.oscillatorError,
        inputVoltages: (_conversion: number, out: Float64Array) => {
          this.brain.fill(sample, 0, 1);
          for (let i = 0; i < BRAIN_INPUTS; i++) out[i] = bias + sample[i][0] * 1e-6 * gain;
          out[3] = bias;
        },
        alertPin: rdyLine === undefined ? undefined : (level: GpioLevel) => this.gpio.drive(rdyLine, level),
      });
      this.bus.attach(this.ads);
      if (faults?.rdyStopsAt_s !== undefined) this.clock.setTimer(faults.rdyStopsAt_s * 1000, () => this.ads?.stopRdy());
    } else {
      throw new Error('emulated hardware needs an emulated ADC source (the config checks this)');
    }

    const stim = config.stimulator;
    if (stim.kind === 'mcp4725' && stim.emulated) {
      const mA_per_V = stim.mA_per_V;
      this.dac = new EmulatedMcp4725(this.clock, {
        address: stim.address,
        referenceVoltage_V: stim.referenceVoltage_V,
        onOutput: (volts: number) => {
          this.dacVolts = volts;
          this.drivePlant(mA_per_V);
        },
      });
      this.bus.attach(this.dac);
      if (stim.enable !== undefined) {
        const activeHigh = stim.enable.activeLevel === 'high';
        this.enableActive = false;
        this.gpio.onOutput(stim.enable.line, (level: GpioLevel) => {
          this.enableActive = (level === 1) === activeHigh;
          this.drivePlant(mA_per_V);
        });
      }
      if (stim.emulation.refuseWritesAt_s !== undefined) this.clock.setTimer(stim.emulation.refuseWritesAt_s * 1000, () => this.dac?.refuseWrites());
    }

    const estop = config.gpio.estop;
    const pressAt_s = config.gpio.emulation.estopPressAt_s;
    if (estop !== undefined) {
      const pressed: GpioLevel = estop.activeLevel === 'high' ? 1 : 0;
      const released: GpioLevel = pressed === 1 ? 0 : 1;
      this.gpio.drive(estop.line, released);
      if (pressAt_s !== undefined) {
        this.clock.setTimer(pressAt_s * 1000, () => this.gpio.drive(estop.line, pressed));
        this.clock.setTimer(pressAt_s * 1000 + ESTOP_HOLD_MS, () => this.gpio.drive(estop.line, released));
      }
    }
  }

  /** The stimulator's current into the patient: DAC volts x mA_per_V while enabled. */
  private drivePlant(mA_per_V: number): void {
    const mA = this.enableActive ? this.dacVolts * mA_per_V : 0;
    this.brain.setStimulation(mA, this.stimFrequency_Hz);
  }

  /** The world stops: no timer fires any more. */
  stop(): void {
    this.clock.stop();
  }
}
