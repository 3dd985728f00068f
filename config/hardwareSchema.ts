import { z } from 'zod';
import { PLAUSIBLE } from './plausibleRanges.js';
import { simBrainSchema, simPlantSchema } from './simPatientSchema.js';

/**
 * The hardware sections of the config (docs/design.md, Hardware): an ADS1115/ADS1015 source,
 * an MCP4725 stimulator and the GPIO lines. Numbers are the datasheets' (TI SBAS444D for the
 * ADS111x, SBAS473 for the ADS1015, Microchip DS22039D for the MCP4725).
 */

const count = (min: number, max: number) => z.number().int('must be a whole number').min(min).max(max);

/** GPIO line: its offset on the chip, the BCM number on a Raspberry Pi (GPIO17 is 17). */
export const gpioLineSchema = count(0, 1023).describe('GPIO line offset on its chip: the BCM number on a Raspberry Pi (GPIO17 is 17).');

const activeLevel = z.enum(['high', 'low']);

/** ADS1x15 input multiplexer settings, MUX[2:0] = 000 ... 111 in this order. */
export const ADS_MUX = ['AIN0-AIN1', 'AIN0-AIN3', 'AIN1-AIN3', 'AIN2-AIN3', 'AIN0', 'AIN1', 'AIN2', 'AIN3'] as const;
/** Full-scale ranges (+/- V) of the programmable gain amplifier, PGA[2:0] = 000 ... 101. */
export const ADS_FULL_SCALE_V = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256] as const;
/** Data rates, DR[2:0] = 000 ... 111. */
export const ADS1115_DATA_RATES_SPS = [8, 16, 32, 64, 128, 250, 475, 860] as const;
export const ADS1015_DATA_RATES_SPS = [128, 250, 490, 920, 1600, 2400, 3300, 3300] as const;

export type AdsMux = (typeof ADS_MUX)[number];

/** The simulated patient behind emulated hardware, and the faults to inject. */
export const adsEmulationSchema = z
    .strictObject({
      seed: z.number().int().min(PLAUSIBLE.seed.min).max(PLAUSIBLE.seed.max).default(1),
      brain: simBrainSchema.default(() => simBrainSchema.parse({})),
      plant: simPlantSchema.default(() => simPlantSchema.parse({})),
      oscillatorError: z.number().min(-0.2).max(0.2).default(0.03).describe('Relative error of the chip\'s oscillator: real data rate = nominal x (1 + error). The datasheet allows about 10 %.'),
      bias_V: z.number().min(0).max(5).default(1.65).describe('Common-mode voltage of the emulated front end on every input (AIN3 carries only this, as a reference).'),
      faults: z
        .strictObject({
          eioProbability: z.number().min(0).max(1).default(0).describe('Chance that an I2C transfer to the ADC fails with EIO (seeded).'),
          stall: z
            .strictObject({ at_s: z.number().min(0), for_s: z.number().positive() })
            .optional()
            .describe('The bus stops answering at at_s for for_s seconds (transfers time out).'),
          rdyStopsAt_s: z.number().min(0).optional().describe('The ALERT/RDY line stops toggling from this time on.'),
        })
        .default({ eioProbability: 0 }),
    })
    .describe('The emulated chip and the simulated patient behind it (used when emulated is true).');

export const adsSourceSchema = z
    .strictObject({
      kind: z.enum(['ads1115', 'ads1015']),
      bus: count(0, 255).default(1).describe('I2C bus number: /dev/i2c-<bus>.'),
      address: count(0x48, 0x4b).default(0x48).describe('7-bit address (0x48 to 0x4b, set by the ADDR pin).'),
      inputs: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'must be 1 to 32 letters, digits, ".", "-" or "_"'),
            mux: z.enum(ADS_MUX).describe('Input pair (differential) or single input against GND.'),
          }),
        )
        .min(1)
        .max(8)
        .describe('Channels, converted in this order. More than one: each switch of the multiplexer costs one conversion (docs/design.md, Hardware).'),
      fullScale_V: z
        .union(ADS_FULL_SCALE_V.map((v) => z.literal(v)) as unknown as [z.ZodLiteral<6.144>, z.ZodLiteral<4.096>, ...z.ZodLiteral<number>[]])
        .default(4.096)
        .describe('PGA range, +/- volts at the ADC input: 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256.'),
      dataRate_SPS: z.number().int().positive().default(860).describe('Conversions per second: ADS1115 8-860, ADS1015 128-3300 (datasheet values only).'),
      frontEndGain: z.number().finite().positive().default(1000).describe('Voltage gain of the amplifier between electrode and ADC (V/V): microvolts = ADC volts / gain x 1e6.'),
      alertRdyLine: gpioLineSchema.optional().describe('GPIO line wired to ALERT/RDY (conversion-ready pacing). Absent: the driver polls.'),
      retries: count(0, 10).default(2).describe('Times a failed I2C transfer is tried again before its sample is given up (a gap).'),
      transferTimeout_ms: z.number().positive().max(1000).default(20).describe('A transfer that takes longer has failed.'),
      block_samples: count(1, 10_000).default(8).describe('Samples per emitted block.'),
      emulated: z.boolean().default(false).describe('Use the register-level emulator (sim/) instead of /dev/i2c-<bus>.'),
      emulation: adsEmulationSchema.default(() => adsEmulationSchema.parse({})),
    })
    .superRefine((s, ctx) => {
      const rates: readonly number[] = s.kind === 'ads1115' ? ADS1115_DATA_RATES_SPS : ADS1015_DATA_RATES_SPS;
      if (!rates.includes(s.dataRate_SPS)) {
        ctx.addIssue({ code: 'custom', path: ['dataRate_SPS'], message: `${s.kind} runs at ${[...new Set(rates)].join(', ')} SPS (got ${s.dataRate_SPS})` });
      }
      const names = new Set<string>();
      s.inputs.forEach((input, i) => {
        if (names.has(input.name)) ctx.addIssue({ code: 'custom', path: ['inputs', i, 'name'], message: `"${input.name}" is used twice` });
        names.add(input.name);
      });
    });

/** Conversions per delivered sample: 1 for one input, else 2 (the stale one after each MUX change is discarded). */
export function adsConversionsPerInput(inputs: number): number {
  return inputs === 1 ? 1 : 2;
}

/** Nominal sample rate per channel of an ADS1x15 source. */
export function adsNominalFs_Hz(dataRate_SPS: number, inputs: number): number {
  return dataRate_SPS / (inputs * adsConversionsPerInput(inputs));
}

export const MCP4725_POWER_DOWN = ['1k', '100k', '500k'] as const;

export const mcp4725StimulatorSchema = z
  .strictObject({
    kind: z.literal('mcp4725'),
    bus: count(0, 255).default(1).describe('I2C bus number: /dev/i2c-<bus>.'),
    address: count(0x60, 0x67).default(0x60).describe('7-bit address (0x60 to 0x67).'),
    referenceVoltage_V: z.number().finite().positive().max(5.5).default(3.3).describe('VDD of the MCP4725, its reference: Vout = VDD x code / 4096.'),
    mA_per_V: z.number().finite().positive().max(100).default(1).describe('Calibration of the stimulator\'s analog input: output current per volt.'),
    retries: count(0, 10).default(2).describe('Times a failed DAC write is tried again before the stimulator goes to fault.'),
    transferTimeout_ms: z.number().positive().max(1000).default(20),
    powerDown: z.enum(MCP4725_POWER_DOWN).default('500k').describe('Pull-down to ground the output is left on when the session stops.'),
    enable: z
      .strictObject({ line: gpioLineSchema, activeLevel: activeLevel.default('high') })
      .optional()
      .describe('GPIO line enabling the stimulator: active only while stimulation is on, inactive on any exit or fault.'),
    emulated: z.boolean().default(false).describe('Use the register-level emulator (sim/) instead of /dev/i2c-<bus>.'),
    emulation: z
      .strictObject({
        refuseWritesAt_s: z.number().min(0).optional().describe('The emulated DAC stops acknowledging writes from this time on.'),
        frequency_Hz: z.number().positive().max(10_000).default(130).describe('Pulse frequency the emulated stimulator runs at (set on the device itself; the DAC sets only the amplitude).'),
      })
      .default({ frequency_Hz: 130 }),
  })
  .describe('An MCP4725 12-bit DAC driving a stimulator\'s analog amplitude input.');

export const gpioSchema = z
  .strictObject({
    backend: z.enum(['auto', 'sysfs', 'libgpiod']).default('auto').describe('auto: sysfs (onoff) where the kernel has it, else the character device (libgpiod).'),
    chip: z.string().min(1).max(64).optional().describe('Chip label or gpiochipN. Default: the Raspberry Pi header chip (pinctrl-bcm2711, pinctrl-bcm2835, pinctrl-rp1).'),
    trigger: z
      .strictObject({
        line: gpioLineSchema,
        activeLevel: activeLevel.default('high'),
        pulseWidth_us: z.number().min(10).max(1_000_000).default(1000).describe('TTL pulse width (a TMS trigger needs >= 10 us; 1 ms is common). 5 V inputs need a level shifter.'),
        delay_ms: z
          .number()
          .finite()
          .min(0)
          .max(1000)
          .default(0)
          .describe('Each pulse leaves this long after its sample was taken: about one block keeps a pattern\'s spacing exact on the line; 0: as soon as its block arrives. Pulses are never closer than limits.pulses.minInterval_ms on the line.'),
      })
      .optional(),
    estop: z
      .strictObject({
        line: gpioLineSchema,
        activeLevel: activeLevel.default('low').describe('Level when pressed (a button to ground with a pull-up: low).'),
        debounce_ms: z.number().min(0).max(1000).default(5).describe('A press counts once; bounces within this time are ignored. The first edge stops at once.'),
      })
      .optional()
      .describe('E-stop button: an edge to the active level latches the governor\'s e-stop at once.'),
    emulation: z
      .strictObject({ estopPressAt_s: z.number().min(0).optional().describe('Emulated press of the e-stop button (emulated hardware only).') })
      .default({}),
  })
  .describe('GPIO lines: stimulator enable (under stimulator), TTL trigger, e-stop input.');

export type AdsSourceConfig = z.output<typeof adsSourceSchema>;
export type Mcp4725StimulatorConfig = z.output<typeof mcp4725StimulatorSchema>;
export type GpioConfig = z.output<typeof gpioSchema>;
