import { z } from 'zod';

/**
 * What a stimulator delivers (docs/modalities-currents.md). The safety governor's rules
 * follow it: pulsed currents (dbs, vns) have the charge-per-phase limits, vns its duty
 * cycle (limits.vns), continuous currents (tdcs, tacs) their session budget and ramps
 * (limits.current); pulse modalities (tms, ttl) fire through limits.pulses and deliver no
 * current.
 */
export const MODALITIES = ['dbs', 'tms', 'vns', 'tdcs', 'tacs', 'ttl'] as const;
export const modalitySchema = z
  .enum(MODALITIES)
  .default('dbs')
  .describe('What the stimulator delivers: dbs (pulsed current, the default), vns (pulsed current in on/off cycles: limits.vns), tdcs (direct current: limits.current), tacs (sinusoidal current: limits.current with its frequency_Hz), tms or ttl (pulses only: limits.pulses and a pulses section, no current).');
export type Modality = z.output<typeof modalitySchema>;

/** A number every block needs: a missing one says what it is, not "expected number, got undefined". */
const required = (what: string) =>
  z.number({ error: (issue) => (issue.code === 'invalid_type' ? (issue.input === undefined ? `is required: ${what}` : `expected a number: ${what}`) : undefined) }).finite();

/**
 * limits.vns: the duty cycle of vagus nerve stimulation (LivaNova VNS Therapy labelling:
 * 0.25-3.5 mA, 20-30 Hz, 250 or 500 us, in cycles such as 30 s on and 5 min off with
 * ramps; AspireSR starts an on-cycle on a detected event). Amplitude, frequency and pulse
 * width stay in limits.amplitude_mA, frequency_Hz and pulseWidth_us. Every field is
 * required. An on-period is the time the output is above 0 mA, its ramps included; an
 * off-period is the time it is at 0 mA between two on-periods, whatever made it 0.
 */
export const vnsLimitsSchema = z
  .strictObject({
    maxOn_s: required('the longest continuous on-period in s, ramps included')
      .positive()
      .max(86_400)
      .describe('Longest continuous on-period (output above 0 mA), ramps included: the governor ramps off in time to be at 0 mA when it is reached.'),
    minOff_s: required('the shortest off-period between two on-periods in s')
      .positive()
      .max(86_400)
      .describe('Shortest off-period (output at 0 mA) between two on-periods: a request to turn on sooner is refused.'),
  })
  .describe('VNS duty cycle (stimulator.modality vns): each on-period at most maxOn_s, each off-period at least minOff_s. Together they bound the on-fraction at maxOn_s / (maxOn_s + minOff_s).');

export type VnsLimits = z.output<typeof vnsLimitsSchema>;

/**
 * limits.current: the session budget of a continuous current, direct (tdcs) or sinusoidal
 * (tacs) (Bikson et al. 2016; Nitsche & Paulus 2000; Antal et al. 2017). Every field is
 * required, frequency_Hz for tacs only.
 */
export const currentLimitsSchema = z
  .strictObject({
    maxDuration_s: required('the most time with current on in the session, in s, ramps included')
      .positive()
      .max(86_400)
      .describe('Total time with current on (above 0 mA) in the session, ramps included.'),
    maxCharge_mC: required('the most charge in the session, in mC (the integral of |I| dt)')
      .positive()
      .max(1e6)
      .describe('Total charge in the session, the integral of |I| dt: I x t for direct current, (2/pi) x I_peak x t for a sine (2 mA for 20 min of tDCS is 2400 mC).'),
    minRamp_s: required('the shortest ramp from 0 to limits.amplitude_mA.max, in s')
      .positive()
      .max(3600)
      .describe('A ramp from 0 to limits.amplitude_mA.max takes at least this long: the amplitude moves at most amplitude_mA.max / minRamp_s per second, up and down (an e-stop, lockout or fault still cuts at once).'),
    frequency_Hz: z
      .strictObject({
        min: required('the lowest tACS frequency in Hz').positive().max(10_000),
        max: required('the highest tACS frequency in Hz').positive().max(10_000),
      })
      .superRefine((r, ctx) => {
        if (!(r.max >= r.min)) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be >= min (${r.min} Hz)` });
      })
      .optional()
      .describe('tACS only (required for it, refused for tdcs): the sine\'s frequency stays in [min, max]. Not the pulse limits.frequency_Hz, whose defaults are DBS pulse rates.'),
  })
  .describe('Continuous currents (stimulator.modality tdcs or tacs): duration, charge and ramp limits of the session; spent -> ramp off and latch.');

export type CurrentLimits = z.output<typeof currentLimitsSchema>;
