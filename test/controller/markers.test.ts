import { lastValueFrom, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.js';
import { limitsSchema } from '../../config/limitsSchema.js';
import { type PolicyConfig, policySchema } from '../../config/policySchema.js';
import { CommandProcessor } from '../../controller/commands.js';
import { MARKER_LIMITS, markerJson, markerSchema, parseMarker, switchPolicyState } from '../../controller/marker.js';
import { createPolicy } from '../../controller/policies/createPolicy.js';
import { SafetyGovernor } from '../../controller/safetyGovernor.js';
import { ClosedLoopSession, type SessionEvent, type SessionStep } from '../../controller/session.js';
import { markerAnnotation, readMarkerAnnotation } from '../../drivers/edf/markerAnnotation.js';
import { annotationTextBytes, MAX_ANNOTATION_TEXT_BYTES } from '../../drivers/edf/talEncoder.js';
import { eventPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import type { SampleBlock } from '../../signals/sampleBlock.js';
import { configProblems } from '../helpers/configProblems.js';

const dual = { kind: 'dual-threshold', lowerThreshold: -1, upperThreshold: 0.6, lowerAmplitude_mA: 1, upperAmplitude_mA: 3 };
const withStates = { ...dual, states: { MedOn: { lowerThreshold: 0, upperThreshold: 1.5 }, MedOff: { lowerThreshold: -1, upperThreshold: 0.6 } } };
const policy = policySchema.parse(withStates);
const rules = { enabled: true, maxRate_per_s: 5, burst: 3, tunable: { upperThreshold: { min: -5, max: 5 }, lowerThreshold: { min: -5, max: 5 } } };
const levodopa = { drug: 'levodopa', dose: 100, unit: 'mg', route: 'oral' };

const refusal = (value: unknown): string => {
  const r = parseMarker(value);
  if (r.ok) throw new Error(`expected a refusal of ${JSON.stringify(value)}`);
  return r.error;
};

describe('the marker schema (every door)', () => {
  it('takes free text, a medication, or both, with an optional state', () => {
    expect(markerSchema.parse({ text: 'patient moved' })).toEqual({ text: 'patient moved' });
    expect(markerSchema.parse({ medication: levodopa, state: 'MedOn' })).toEqual({ medication: levodopa, state: 'MedOn' });
    expect(markerSchema.parse({ text: 'with breakfast', medication: { drug: 'apomorphine', dose: 2.5, unit: 'mg', route: 'subcutaneous' } }).medication?.route).toBe('subcutaneous');
  });

  it('refuses, naming the field, whatever is wrong', () => {
    expect(refusal({})).toBe('text: required when there is no medication (a marker is free text, a medication, or both)');
    expect(refusal({ state: 'MedOn' })).toMatch(/^text: required when there is no medication/);
    expect(refusal({ text: 'x', dose: 100 })).toBe('dose: unknown key');
    expect(refusal({ medication: { ...levodopa, dose: -100 } })).toBe('medication.dose: must be > 0');
    expect(refusal({ medication: { ...levodopa, dose: 1e7 } })).toBe('medication.dose: must be <= 1000000');
    expect(refusal({ medication: { ...levodopa, dose: '100' } })).toBe('medication.dose: expected number, got string');
    expect(refusal({ medication: { drug: 'levodopa', dose: 100, unit: 'mg' } })).toBe('medication.route: expected string, got undefined');
    expect(refusal({ medication: { ...levodopa, drug: 'x'.repeat(41) } })).toBe('medication.drug: must be at most 40 characters long');
    expect(refusal({ medication: { ...levodopa, unit: 'm g' } })).toMatch(/^medication\.unit: must be a unit such as mg/);
    expect(refusal({ medication: { ...levodopa, frequency: 'tid' } })).toBe('medication.frequency: unknown key');
    expect(refusal({ text: 'line\nbreak' })).toMatch(/^text: must not contain control or invisible characters/);
    // Invisible ones too: a line separator, a right-to-left override, a zero-width space.
    for (const odd of ['a\u2028b', 'dose \u202E001', 'zero\u200Bwidth']) expect(refusal({ text: odd })).toMatch(/^text: must not contain control or invisible characters/);
    expect(refusal({ text: '   ' })).toBe('text: must not be blank');
    expect(refusal({ text: 'x'.repeat(121) })).toBe('text: must be at most 120 characters long');
    expect(refusal({ text: 'x', state: 'Med On' })).toMatch(/^state: must be a state name/);
    expect(refusal({ text: 'x', state: 'M'.repeat(25) })).toBe('state: must be at most 24 characters long');
  });

  it('every marker the schema takes fits a recording annotation whole, and reads back as itself', () => {
    // The tag, a space and the JSON within the 200 bytes an annotation holds.
    expect(MARKER_LIMITS.json_bytes + '[marker] '.length).toBeLessThanOrEqual(MAX_ANNOTATION_TEXT_BYTES);
    // The longest fields together are too long: refused by the size, not cut in the file.
    const long = { text: 'é'.repeat(120), medication: { drug: 'x'.repeat(40), dose: 1, unit: 'mg', route: 'oral' } };
    expect(refusal(long)).toMatch(/^text: the marker is \d+ bytes as JSON, more than 180/);
    const biggest = { text: 'ü'.repeat(30), medication: { drug: 'levodopa/carbidopa', dose: 250.5, unit: 'mg', route: 'oral' }, state: 'MedOn' };
    const m = markerSchema.parse(biggest);
    const text = markerAnnotation(m);
    expect(new TextEncoder().encode(markerJson(m)).length).toBeGreaterThan(150);
    expect(annotationTextBytes(text).toString('utf8')).toBe(text);
    expect(readMarkerAnnotation(text)).toEqual({ ok: true, marker: biggest });
    expect(markerJson(m)).toBe(JSON.stringify(biggest));
    expect(readMarkerAnnotation('[marker] {oops')).toEqual({ ok: false, error: 'not JSON after the tag' });
    expect(readMarkerAnnotation('[marker] {"text":"x","state":"?"}')).toMatchObject({ ok: false, error: expect.stringMatching(/^state: /) });
    expect(readMarkerAnnotation('MedOn')).toBeNull();
  });
});

describe('policy.states (config)', () => {
  const base = { source: { kind: 'sim' }, limits: { amplitude_mA: { max: 4 } } };
  it('a dual-threshold policy may declare thresholds for MedOn and MedOff', () => {
    const config = parseConfig({ ...base, policy: withStates });
    expect(config.policy.kind === 'dual-threshold' && config.policy.states?.MedOn).toEqual({ lowerThreshold: 0, upperThreshold: 1.5 });
  });

  it('refuses what is not one of the policy\'s own numeric parameters, limits above all, naming the place', () => {
    const problems = (states: unknown) => configProblems({ ...base, policy: { ...dual, states } });
    expect(problems({ MedOn: { upperThresh: 1 } })).toEqual([expect.stringMatching(/^policy\.states\.MedOn\.upperThresh: not a numeric parameter of the dual-threshold policy \(its numeric parameters: lowerThreshold, upperThreshold, /)]);
    expect(problems({ MedOn: { 'limits.amplitude_mA': 10 } })).toEqual([expect.stringMatching(/^policy\.states\.MedOn\.limits\.amplitude_mA: limits are not policy parameters: no state can change them/)]);
    expect(problems({ MedOn: { limits: { amplitude_mA: { max: 10 } } } })).toEqual([expect.stringMatching(/^policy\.states\.MedOn\.limits: limits are not policy parameters: no state can change them/)]);
    expect(problems({ MedOn: { upperThreshold: 'high' } })).toEqual(['policy.states.MedOn.upperThreshold: expected a finite number, got string']);
    // The requested amplitude of a threshold policy is a policy parameter; the limit of the same name is not.
    expect(problems({ MedOn: { amplitude_mA: 10 } })[0]).toMatch(/^policy\.states\.MedOn\.amplitude_mA: not a numeric parameter/);
    expect(problems({ MedOn: { kind: 1 } })[0]).toMatch(/^policy\.states\.MedOn\.kind: not a numeric parameter/);
  });

  it('the current modalities\' policies take states too, and each set must fit the modality\'s limits as the policy must', () => {
    const vns = {
      source: { kind: 'sim', fs_Hz: 250 },
      stimulator: { kind: 'simulated', modality: 'vns' },
      limits: { amplitude_mA: { max: 3.5 }, frequency_Hz: { min: 20, max: 30 }, pulseWidth_us: { min: 250, max: 500 }, rampUp_mA_per_s: 1, rampDown_mA_per_s: 1, vns: { maxOn_s: 30, minOff_s: 60 } },
    };
    const responsive = { kind: 'vns-responsive', threshold: 2, amplitude_mA: 1.5, on_s: 30, ramp_s: 2, off_s: 60 };
    const config = parseConfig({ ...vns, policy: { ...responsive, states: { MedOn: { threshold: 3 }, MedOff: { threshold: 2 } } } });
    expect(config.policy.kind === 'vns-responsive' && config.policy.states).toEqual({ MedOn: { threshold: 3 }, MedOff: { threshold: 2 } });
    const problems = (states: unknown) => configProblems({ ...vns, policy: { ...responsive, states } });
    // A set's own value over a limit is named on it; a value it keeps that its other values make too much is named on the set.
    expect(problems({ MedOn: { on_s: 40, amplitude_mA: 3 } })).toEqual([
      'policy.states.MedOn.on_s: is 40 s, longer than limits.vns.maxOn_s (30 s): the governor would cut every on-period short',
      'policy.states.MedOn: with this set, policy.ramp_s 2 s to 3 mA is faster than limits.rampUp_mA_per_s (1 mA/s) allows: the governor would stretch the ramp; make ramp_s at least 3 s',
    ]);
    expect(problems({ MedOn: { amplitude_mA: 4 } })[0]).toBe('policy.states.MedOn.amplitude_mA: is 4 mA, more than limits.amplitude_mA.max (3.5 mA)');
    const tdcs = {
      source: { kind: 'sim', fs_Hz: 250 },
      stimulator: { kind: 'simulated', modality: 'tdcs' },
      limits: { amplitude_mA: { max: 2 }, rampUp_mA_per_s: 1, rampDown_mA_per_s: 1, current: { maxDuration_s: 1200, maxCharge_mC: 2400, minRamp_s: 10 } },
    };
    const ramp = { kind: 'tdcs-ramp', amplitude_mA: 1, ramp_s: 30, duration_s: 1200 };
    expect(configProblems({ ...tdcs, policy: { ...ramp, states: { MedOn: { amplitude_mA: 2 } } } })).toEqual([]);
    expect(configProblems({ ...tdcs, policy: { ...ramp, states: { MedOn: { amplitude_mA: 2.5 } } } })[0]).toBe('policy.states.MedOn.amplitude_mA: is 2.5 mA, more than limits.amplitude_mA.max (2 mA)');
  });

  it('refuses a set that leaves the policy invalid, sets that name different parameters, bad names, and states on the off policy', () => {
    const problems = (states: unknown) => configProblems({ ...base, policy: { ...dual, states } });
    expect(problems({ MedOn: { upperThreshold: -2 } })).toEqual(['policy.states.MedOn.upperThreshold: must be > lowerThreshold (-1)']);
    expect(problems({ MedOn: { rampUp_mA_per_s: 0 } })).toEqual(['policy.states.MedOn.rampUp_mA_per_s: must be > 0']);
    expect(problems({ MedOn: { upperAmplitude_mA: 0.5 } })).toEqual(['policy.states.MedOn.upperAmplitude_mA: must be >= lowerAmplitude_mA (1)']);
    expect(problems({ MedOn: { upperThreshold: 1 }, MedOff: { lowerThreshold: -2 } })).toEqual(['policy.states.MedOff: names lowerThreshold; every state must name the same parameters as states.MedOn (upperThreshold)']);
    expect(problems({ MedOn: {} })[0]).toMatch(/^policy\.states\.MedOn: names no parameter/);
    expect(problems({ 'Med On': { upperThreshold: 1 } })[0]).toMatch(/^policy\.states\.Med On: must be a state name/);
    expect(configProblems({ ...base, policy: { kind: 'off', states: { MedOn: {} } } })).toEqual(['policy.states: unknown key']);
  });
});

describe('cmd/marker in the CommandProcessor', () => {
  const marker = (p: CommandProcessor, body: unknown, current: PolicyConfig = policy, delivery = {}) => p.decide('marker', JSON.stringify(body), 0, current, delivery);

  it('takes a marker; a declared state comes with the policy\'s parameters for it', () => {
    const p = new CommandProcessor(rules);
    expect(marker(p, { id: 'm1', text: 'patient moved' })).toMatchObject({ ok: true, id: 'm1', action: { type: 'marker', marker: { text: 'patient moved' } } });
    const d = marker(p, { id: 'm2', medication: levodopa, state: 'MedOn' });
    if (d.action?.type !== 'marker' || d.action.state === undefined || d.action.state.next.kind !== 'dual-threshold') throw new Error('expected a marker with a state');
    expect(d.action.marker).toEqual({ medication: levodopa, state: 'MedOn' });
    expect(d.action.state.changed).toEqual({ lowerThreshold: 0, upperThreshold: 1.5 });
    expect(d.action.state.previous).toEqual({ lowerThreshold: -1, upperThreshold: 0.6 });
    expect(d.action.state.next.upperThreshold).toBe(1.5);
    // Everything else, the states included, is kept.
    expect(d.action.state.next.upperAmplitude_mA).toBe(3);
    expect(d.action.state.next.states).toEqual(withStates.states);
  });

  it('refuses by name and changes nothing: bad fields, unknown states (listing the known), disabled, retained, replayed ids, too many', () => {
    const p = new CommandProcessor({ ...rules, burst: 100 });
    expect(marker(p, { id: 'b1', medication: { ...levodopa, dose: 0 } })).toMatchObject({ ok: false, id: 'b1', error: 'medication.dose: must be > 0' });
    expect(marker(p, { id: 'b2', text: 'x', state: 'Sleepy' })).toMatchObject({ ok: false, error: 'state: "Sleepy" is unknown (known: MedOn, MedOff)' });
    expect(marker(p, { id: 'b3', text: 'x', state: 'MedOn' }, policySchema.parse(dual))).toMatchObject({ ok: false, error: 'state: "MedOn" is unknown: the dual-threshold policy declares no states (policy.states)' });
    expect(marker(p, { id: 'b4', text: 'x', params: { upperThreshold: 9 } })).toMatchObject({ ok: false, error: 'params: unknown key' });
    expect(marker(p, { text: 'no id' })).toMatchObject({ ok: false, id: null, error: expect.stringMatching(/^id: /) });
    expect(marker(new CommandProcessor({ ...rules, enabled: false }), { id: 'b5', text: 'x' })).toMatchObject({ ok: false, error: 'commands are disabled (telemetry.commands.enabled is false)' });
    expect(marker(p, { id: 'b6', text: 'x' }, policy, { retained: true })).toMatchObject({ ok: false, error: expect.stringMatching(/retained message/) });
    expect(marker(p, { id: 'ok1', text: 'x' }).ok).toBe(true);
    expect(marker(p, { id: 'ok1', text: 'x' })).toMatchObject({ ok: false, error: expect.stringMatching(/already executed/) });
    // Rate-limited with the other commands.
    const q = new CommandProcessor({ ...rules, burst: 1, maxRate_per_s: 0.001 });
    expect(q.decide('reset', '{"id":"r"}', 0, policy).ok).toBe(true);
    expect(marker(q, { id: 'late', text: 'x' })).toMatchObject({ ok: false, error: expect.stringMatching(/too many commands/) });
  });

  it('cmd/policy cannot leave a state set invalid (states are checked against the new parameters)', () => {
    const p = new CommandProcessor(rules);
    // MedOn's upperThreshold 1.5 would fall below a lowerThreshold of 2 (MedOn names both: fine) ...
    expect(p.decide('policy', JSON.stringify({ id: 'p1', params: { lowerThreshold: 2, upperThreshold: 3 } }), 0, policy).ok).toBe(true);
    const one = policySchema.parse({ ...dual, states: { MedOn: { upperThreshold: 1.5 } } });
    // ... but a state that names only upperThreshold would.
    expect(p.decide('policy', JSON.stringify({ id: 'p2', params: { lowerThreshold: 2, upperThreshold: 3 } }), 0, one)).toMatchObject({ ok: false, error: 'policy.states.MedOn.upperThreshold: must be > lowerThreshold (2)' });
    expect(switchPolicyState(one, 'MedOn')).toMatchObject({ ok: true, changed: { upperThreshold: 1.5 } });
  });
});

describe('markers in the session', () => {
  const fs_Hz = 100;
  const limits = limitsSchema.parse({ amplitude_mA: { max: 3 }, rampUp_mA_per_s: 10, rampDown_mA_per_s: 10, staleAfter_ms: 500 });
  const biomarker = { terms: [{ channel: 0, band: 0, weight: 1 }], offset: 0, scale: 1, log10: true, averageFrames: 1, baseline_s: 0 };
  const signalPath = { fs_Hz, channels: ['a'], window: 50, hop: 10, segment: 50, bands: [{ name: 'beta', lo_Hz: 13, hi_Hz: 30 }], biomarker };
  const block = (at: number): SampleBlock => ({ firstIndex: at, fs_Hz, channels: ['a'], data: [Float32Array.from({ length: 10 }, (_, i) => 10 * Math.sin(((at + i) * 2 * Math.PI * 20) / fs_Hz))] });

  function build(config: unknown, commandsEnabled = true) {
    const parsed = policySchema.parse(config);
    const events: SessionEvent[] = [];
    const session = new ClosedLoopSession({
      signalPath,
      policy: createPolicy(parsed),
      governor: new SafetyGovernor(limits),
      stimulator: { apply: () => undefined },
      onEvent: (e) => events.push(e),
      commands: { ...rules, enabled: commandsEnabled },
    });
    const blocks = new Subject<SampleBlock>();
    const steps = lastValueFrom(session.run(blocks).pipe(toArray()));
    return { session, events, blocks, steps };
  }

  it('cmd/marker: traced in the next step with the switch, the policy\'s thresholds from the next frame, counted in the summary', async () => {
    // The biomarker (log10 of beta power) is about 1.7: above MedOff's thresholds, below MedOn's.
    const s = build({ kind: 'dual-threshold', lowerThreshold: 0, upperThreshold: 1, lowerAmplitude_mA: 1, upperAmplitude_mA: 3, rampUp_mA_per_s: 10, rampDown_mA_per_s: 10, states: { MedOn: { lowerThreshold: 5, upperThreshold: 6 }, MedOff: { lowerThreshold: 0, upperThreshold: 1 } } });
    for (let at = 0; at < 300; at += 10) s.blocks.next(block(at));
    const ack = s.session.command('marker', JSON.stringify({ id: 'm1', medication: levodopa, state: 'MedOn' }), 0);
    expect(ack).toMatchObject({ id: 'm1', ok: true });
    const refused = s.session.command('marker', JSON.stringify({ id: 'm2', text: 'x', state: 'Asleep' }), 0);
    expect(refused).toMatchObject({ ok: false, error: 'state: "Asleep" is unknown (known: MedOn, MedOff)' });
    expect(s.session.command('marker', JSON.stringify({ id: 'm3', text: 'tremor' }), 0).ok).toBe(true);
    for (let at = 300; at < 600; at += 10) s.blocks.next(block(at));
    s.blocks.complete();
    const steps: SessionStep[] = await s.steps;
    const at = steps.findIndex((step) => step.events.some((e) => e.kind === 'marker'));
    expect(at).toBeGreaterThan(0);
    const kinds = steps[at].events.map((e) => (e.kind === 'command' ? `command ${e.ok}` : e.kind));
    expect(kinds).toEqual(['marker', 'policy-state', 'command true', 'command false', 'marker', 'command true']);
    const state = steps[at].events[1];
    expect(state).toMatchObject({ kind: 'policy-state', state: 'MedOn', ok: true, changed: { lowerThreshold: 5, upperThreshold: 6 }, previous: { lowerThreshold: 0, upperThreshold: 1 } });
    expect(state.reason).toBe('policy state MedOn: lowerThreshold 0 -> 5, upperThreshold 1 -> 6 (from the next frame)');
    // Before the marker the policy went up (biomarker above 1); from the step carrying it, down (below 5).
    expect(steps[at - 1].requested?.amplitude_mA).toBe(3);
    expect(steps.at(-1)?.requested?.amplitude_mA).toBe(1);
    expect(steps[at].requested?.amplitude_mA).toBeLessThan(3);
    // The events topic's schema reads every one.
    for (const e of steps[at].events) expect(eventPayload.safeParse({ v: 1, seq: 0, ...e }).success).toBe(true);
    const summary = s.session.summary();
    expect(summary.markers).toEqual({ count: 2, state: 'MedOn', list: [{ t_s: steps[at - 1].t_s, medication: levodopa, state: 'MedOn' }, { t_s: steps[at - 1].t_s, text: 'tremor' }] });
    expect(summary.events.marker).toBe(2);
    expect(summary.events['policy-state']).toBe(1);
  });

  it('a replayed file\'s marker (note) switches the same way; a state this policy lacks is an event and changes nothing', async () => {
    const s = build(withStates);
    for (let at = 0; at < 100; at += 10) s.blocks.next(block(at));
    s.session.note({ t_s: 1, kind: 'marker', reason: 'marker: "x"; state Lunch', marker: { text: 'x', state: 'Lunch' } });
    s.session.note({ t_s: 1, kind: 'marker', reason: 'marker: state MedOn', marker: { text: 'on', state: 'MedOn' } });
    for (let at = 100; at < 200; at += 10) s.blocks.next(block(at));
    s.blocks.complete();
    const steps = await s.steps;
    const events = steps.flatMap((step) => step.events).filter((e) => e.kind === 'policy-state');
    expect(events).toEqual([
      { t_s: 1, kind: 'policy-state', state: 'Lunch', ok: false, reason: 'policy state Lunch not taken: "Lunch" is unknown (known: MedOn, MedOff); parameters unchanged' },
      expect.objectContaining({ state: 'MedOn', ok: true, changed: { lowerThreshold: 0, upperThreshold: 1.5 } }),
    ]);
    expect(s.session.summary().markers.state).toBe('MedOn');
  });

  it('commands disabled: cmd/marker is refused, nothing is marked', async () => {
    const s = build(withStates, false);
    expect(s.session.command('marker', JSON.stringify({ id: 'm', text: 'x', state: 'MedOn' }), 0)).toMatchObject({ ok: false, error: expect.stringMatching(/disabled/) });
    s.blocks.complete();
    await s.steps;
    expect(s.events.filter((e) => e.kind === 'marker' || e.kind === 'policy-state')).toEqual([]);
    expect(s.session.summary().markers).toEqual({ count: 0, state: null, list: [] });
  });
});
