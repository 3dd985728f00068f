import { describe, expect, it } from 'vitest';
import { applyOverrides, LIMITS_OVERRIDE_RULE, parseConfig, readConfigFile } from '../../config/index.js';
import { configProblems as problemsOf } from '../helpers/configProblems.js';

const sim = { kind: 'sim', fs_Hz: 250 };
const VNS_LIMITS = { amplitude_mA: { max: 3.5 }, frequency_Hz: { min: 20, max: 30 }, pulseWidth_us: { min: 250, max: 500 }, rampUp_mA_per_s: 1, rampDown_mA_per_s: 1, vns: { maxOn_s: 30, minOff_s: 300 } };
const VNS_POLICY = { kind: 'vns-duty-cycle', amplitude_mA: 1.5, on_s: 30, ramp_s: 2, off_s: 300 };
const TDCS_LIMITS = { amplitude_mA: { max: 2 }, current: { maxDuration_s: 1200, maxCharge_mC: 2400, minRamp_s: 30 } };
const TDCS_POLICY = { kind: 'tdcs-ramp', amplitude_mA: 2, ramp_s: 30, duration_s: 1200 };
const PULSE_LIMITS = { minInterval_ms: 20, maxPerTrain: 30, maxTrainDuration_ms: 2000, minInterTrain_ms: 8000, maxPerSession: 600 };
const PULSES = { schedule: { kind: 'pattern', burstRate_Hz: 1, on_s: 1, total: 5 } };

describe('stimulator.modality', () => {
  it('defaults to dbs on every stimulator kind (existing configs stay valid)', () => {
    expect(parseConfig({}).stimulator).toEqual({ kind: 'simulated', modality: 'dbs' });
    expect(parseConfig({ stimulator: { kind: 'simulated' } }).stimulator.modality).toBe('dbs');
    expect(problemsOf({ stimulator: { kind: 'simulated', modality: 'ect' } })[0]).toMatch(/^stimulator\.modality: expected one of "dbs"\|"tms"\|"vns"\|"tdcs"\|"tacs"\|"ttl"/);
    const hw = readConfigFile('config/examples/emulated-hw.yaml') as Record<string, Record<string, unknown>>;
    expect(parseConfig({ ...hw, stimulator: { ...hw.stimulator, modality: 'vns' }, limits: { ...hw.limits, vns: { maxOn_s: 30, minOff_s: 60 } } }).stimulator.modality).toBe('vns');
  });

  it('pulses need tms or ttl; tms and ttl need pulses and their limits and deliver no current', () => {
    expect(problemsOf({ source: sim, limits: { pulses: PULSE_LIMITS }, pulses: PULSES })).toEqual(['stimulator.modality: is dbs, but the pulses section fires pulses: set tms or ttl']);
    // Pulse limits on a modality that fires no pulses would look applied: refused like limits.vns and limits.current.
    expect(problemsOf({ source: sim, limits: { pulses: PULSE_LIMITS } })).toEqual(['limits.pulses: applies to stimulator.modality tms or ttl only (it is dbs): remove it or set the modality']);
    expect(problemsOf({ source: sim, stimulator: { kind: 'simulated', modality: 'vns' }, limits: { ...VNS_LIMITS, pulses: PULSE_LIMITS }, policy: VNS_POLICY })).toEqual(['limits.pulses: applies to stimulator.modality tms or ttl only (it is vns): remove it or set the modality']);
    expect(problemsOf({ source: sim, stimulator: { kind: 'simulated', modality: 'ttl' }, limits: { pulses: PULSE_LIMITS }, pulses: PULSES })).toEqual([]);
    expect(problemsOf({ source: sim, stimulator: { kind: 'simulated', modality: 'tms' } })).toEqual([
      'pulses: is missing, but stimulator.modality tms delivers pulses: add a pulses section (schedule)',
      'limits.pulses: is missing, but stimulator.modality tms delivers pulses; set the pulse limits (minInterval_ms, maxPerTrain, maxTrainDuration_ms, minInterTrain_ms, maxPerSession)',
    ]);
    expect(problemsOf({ source: sim, stimulator: { kind: 'simulated', modality: 'tms' }, limits: { amplitude_mA: { max: 1 }, pulses: PULSE_LIMITS }, pulses: PULSES })).toEqual([
      'limits.amplitude_mA.max: is 1 mA, but stimulator.modality tms delivers no current: must be 0',
    ]);
  });

  it('a phase schedule blanks less than its estimator window, and blank_ms is a number of ms >= 0', () => {
    const phase = (extra: Record<string, unknown>) => ({ schedule: { kind: 'phase', band: { lo_Hz: 8, hi_Hz: 13 }, targetPhase_deg: 0, refractory_ms: 2000, ...extra } });
    const tms = { source: sim, stimulator: { kind: 'simulated', modality: 'tms' }, limits: { pulses: PULSE_LIMITS } };
    expect(problemsOf({ ...tms, pulses: phase({ blank_ms: 100 }) })).toEqual([]);
    expect(parseConfig({ ...tms, pulses: phase({}) }).pulses?.schedule).toMatchObject({ blank_ms: 0 });
    expect(problemsOf({ ...tms, pulses: phase({ blank_ms: 500 }) })).toEqual(['pulses.schedule.blank_ms: 500 ms is not shorter than window_ms (500 ms): the estimator would run on its own prediction alone']);
    expect(problemsOf({ ...tms, pulses: phase({ blank_ms: -5 }) })[0]).toMatch(/^pulses\.schedule\.blank_ms: /);
  });

  it('each modality has the limits its governor needs and none it would not apply', () => {
    const modality = (m: string) => ({ kind: 'simulated', modality: m });
    expect(problemsOf({ stimulator: modality('vns'), limits: { amplitude_mA: { max: 1 } } })).toEqual(['limits.vns: is missing, but stimulator.modality is vns: set maxOn_s and minOff_s (the duty cycle)']);
    expect(problemsOf({ limits: { vns: { maxOn_s: 30, minOff_s: 300 } } })).toEqual(['limits.vns: applies to stimulator.modality vns only (it is dbs): remove it or set the modality']);
    expect(problemsOf({ stimulator: modality('tdcs') })).toEqual(['limits.current: is missing, but stimulator.modality is tdcs: set maxDuration_s, maxCharge_mC and minRamp_s']);
    expect(problemsOf({ stimulator: modality('tacs'), limits: TDCS_LIMITS })).toEqual(['limits.current.frequency_Hz: is missing, but stimulator.modality is tacs: set the range {min, max} of the sine\'s frequency']);
    expect(problemsOf({ stimulator: modality('tdcs'), limits: { ...TDCS_LIMITS, current: { ...TDCS_LIMITS.current, frequency_Hz: { min: 8, max: 13 } } } })).toEqual([
      'limits.current.frequency_Hz: is for tacs only: stimulator.modality is tdcs (direct current has no frequency)',
    ]);
    expect(problemsOf({ stimulator: modality('vns'), limits: { ...TDCS_LIMITS, vns: { maxOn_s: 30, minOff_s: 300 } } })).toEqual([
      'limits.current: applies to stimulator.modality tdcs or tacs only (it is vns): remove it or set the modality',
    ]);
  });

  it('every field of limits.vns and limits.current is required, and says what it is', () => {
    expect(problemsOf({ stimulator: { kind: 'simulated', modality: 'vns' }, limits: { vns: {} } })).toEqual([
      'limits.vns.maxOn_s: is required: the longest continuous on-period in s, ramps included',
      'limits.vns.minOff_s: is required: the shortest off-period between two on-periods in s',
    ]);
    expect(problemsOf({ stimulator: { kind: 'simulated', modality: 'tdcs' }, limits: { current: { maxDuration_s: 'long', maxCharge_mC: -1 } } })).toEqual([
      'limits.current.maxDuration_s: expected a number: the most time with current on in the session, in s, ramps included',
      'limits.current.maxCharge_mC: must be > 0',
      'limits.current.minRamp_s: is required: the shortest ramp from 0 to limits.amplitude_mA.max, in s',
    ]);
  });

  it('limits.vns and limits.current are the file\'s only: --set is refused', () => {
    const file = { stimulator: { kind: 'simulated', modality: 'tdcs' }, limits: TDCS_LIMITS };
    for (const set of ['limits.current.maxCharge_mC=5000', 'limits.vns.minOff_s=1', 'LIMITS.current.minRamp_s=1']) {
      expect(() => applyOverrides(file, [set])).toThrow(`--set ${set}: ${LIMITS_OVERRIDE_RULE}`);
    }
    // The modality is not a limit, but a changed one needs the other limits, which --set cannot give.
    expect(() => parseConfig(applyOverrides(file, ['stimulator.modality=tacs']))).toThrow(/limits\.current\.frequency_Hz: is missing/);
  });
});

describe('the modalities\' policies ask only for what the limits allow', () => {
  const vns = (policy: Record<string, unknown>, limits: Record<string, unknown> = VNS_LIMITS) => problemsOf({ stimulator: { kind: 'simulated', modality: 'vns' }, limits, policy: { ...VNS_POLICY, ...policy } });
  const tdcs = (policy: Record<string, unknown>, limits: Record<string, unknown> = TDCS_LIMITS) => problemsOf({ stimulator: { kind: 'simulated', modality: 'tdcs' }, limits, policy: { ...TDCS_POLICY, ...policy } });

  it('a policy of one modality on another is refused', () => {
    expect(problemsOf({ limits: { amplitude_mA: { max: 2 } }, policy: TDCS_POLICY })).toEqual(['policy.kind: tdcs-ramp needs stimulator.modality tdcs (it is dbs)']);
  });

  it('VNS: on_s, off_s, ramps, pulse settings and charge per phase within the limits', () => {
    expect(vns({})).toEqual([]);
    expect(vns({ on_s: 40, off_s: 60 })).toEqual([
      'policy.on_s: is 40 s, longer than limits.vns.maxOn_s (30 s): the governor would cut every on-period short',
      'policy.off_s: is 60 s, shorter than limits.vns.minOff_s (300 s): the governor would refuse the on-periods asked for sooner',
    ]);
    expect(vns({ ramp_s: 1 })).toEqual(['policy.ramp_s: 1 s to 1.5 mA is faster than limits.rampUp_mA_per_s (1 mA/s) allows: the governor would stretch the ramp; make ramp_s at least 1.5 s']);
    expect(vns({ frequency_Hz: 130, pulseWidth_us: 60 })).toEqual(['policy.frequency_Hz: is 130 Hz, outside limits.frequency_Hz [20, 30]', 'policy.pulseWidth_us: is 60 us, outside limits.pulseWidth_us [250, 500]']);
    expect(vns({ amplitude_mA: 4, ramp_s: 10 })[0]).toBe('policy.amplitude_mA: is 4 mA, more than limits.amplitude_mA.max (3.5 mA)');
    expect(vns({ amplitude_mA: 3.5, pulseWidth_us: 500, ramp_s: 4 }, { ...VNS_LIMITS, electrodeArea_cm2: 0.03 })).toEqual([
      'policy.amplitude_mA: 3.5 mA at 500 us is 1.75 uC per phase, over the 0.9 uC the charge density and Shannon limits allow at limits.electrodeArea_cm2 0.03',
    ]);
    expect(problemsOf({ stimulator: { kind: 'simulated', modality: 'vns' }, limits: VNS_LIMITS, policy: { ...VNS_POLICY, kind: 'vns-responsive', threshold: 1, off_s: 100 } })).toEqual([
      'policy.off_s: is 100 s, shorter than limits.vns.minOff_s (300 s): the governor would refuse the on-periods asked for sooner',
    ]);
  });

  it('tDCS/tACS: duration, the charge of the trapezoid, the ramp and the sine\'s frequency within the limits', () => {
    expect(tdcs({})).toEqual([]);
    expect(tdcs({ duration_s: 1500 })).toEqual([
      'policy.duration_s: is 1500 s, longer than limits.current.maxDuration_s (1200 s, ramps included)',
      'policy.duration_s: 2 mA for 1500 s with 30 s ramps is 2940 mC (I x (duration_s - ramp_s)), more than limits.current.maxCharge_mC (2400 mC)',
    ]);
    expect(tdcs({ ramp_s: 10 })).toEqual([
      'policy.ramp_s: 10 s to 2 mA is faster than limits.amplitude_mA.max / limits.current.minRamp_s (0.06667 mA/s) allows: the governor would stretch the ramp; make ramp_s at least 30 s',
    ]);
    const tacsLimits = { amplitude_mA: { max: 1 }, current: { maxDuration_s: 1200, maxCharge_mC: 700, minRamp_s: 30, frequency_Hz: { min: 8, max: 13 } } };
    const tacs = (policy: Record<string, unknown>) => problemsOf({ stimulator: { kind: 'simulated', modality: 'tacs' }, limits: tacsLimits, policy: { kind: 'tacs', amplitude_mA: 1, frequency_Hz: 10, ramp_s: 30, duration_s: 1000, ...policy } });
    expect(tacs({})).toEqual([]);
    expect(tacs({ frequency_Hz: 40, duration_s: 1200 })).toEqual([
      'policy.duration_s: 1 mA for 1200 s with 30 s ramps is 744.8 mC ((2/pi) x I_peak x (duration_s - ramp_s)), more than limits.current.maxCharge_mC (700 mC)',
      'policy.frequency_Hz: is 40 Hz, outside limits.current.frequency_Hz [8, 13]',
    ]);
  });
});
