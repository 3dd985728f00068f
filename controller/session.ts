import { defer, finalize, type Observable, map, takeWhile, tap } from 'rxjs';
import type { FeatureExtractorOptions, FeatureFrame } from '../signals/featureExtractor.js';
import { featureFrames } from '../signals/operators.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { clip, type CommandDelivery, CommandProcessor, type CommandRules, MAX_NAME_CHARS } from './commands.js';
import { describeMarker, type Marker, type StateSwitch, switchPolicyState } from './marker.js';
import type { DriverEvent } from './driverEvent.js';
import type { GovernorEvent } from './governorEvent.js';
import type { Policy } from './policies/policy.js';
import type { PulseSchedule } from './policies/pulseSchedule.js';
import type { PulseStimulatorPort, StimulatorPort } from './ports.js';
import type { PulseGovernor } from './pulseGovernor.js';
import type { SafetyGovernor } from './safetyGovernor.js';
import type { StimParams } from './stimParams.js';
import { type CalibrationSweepEvent, calibrationSweepEvent, type StimulationSweep } from './stimulationSweep.js';
import { type CalibrationEvent, calibrationEvent, type ThresholdCalibration } from './thresholdCalibration.js';

/** A command taken or refused, as it appears among a step's events. */
export interface CommandEvent {
  readonly t_s: number;
  readonly kind: 'command';
  readonly reason: string;
  readonly command: string;
  readonly id: string | null;
  readonly ok: boolean;
}

/**
 * The session's own beginning and end. `session-end` is the governor's event when it had
 * to cut a live output, else the session's, so there is exactly one per session.
 */
export interface SessionMarkEvent {
  readonly t_s: number;
  readonly kind: 'session-start' | 'session-end';
  readonly reason: string;
}

/**
 * A mark from outside the loop, on the data's time axis: an annotation of a replayed
 * recording (a marker such as "MedOn" or "levodopa 100 mg taken"). It changes nothing in
 * the loop; it is traced at its sample so that decisions can be read beside it.
 */
export interface AnnotationEvent {
  readonly t_s: number;
  readonly kind: 'annotation';
  readonly reason: string;
  readonly duration_s?: number;
}

/**
 * A pulse of a pulse modality (docs/design.md, Modalities), at the session sample it was
 * asked for: fired through the PulseGovernor to the pulse port, or refused by it (the
 * reason names the limit).
 */
export interface PulseEvent {
  readonly t_s: number;
  readonly kind: 'pulse' | 'pulse-refused';
  readonly index: number;
  readonly reason: string;
}

/**
 * A marker (docs/markers.md): free text or a medication, with an optional declared state,
 * from cmd/marker (`neuroloop mark`) or a replayed recording's `[marker]` annotation. It
 * is traced, recorded as a `[marker]` annotation, published and counted in the summary.
 */
export interface MarkerEvent {
  readonly t_s: number;
  readonly kind: 'marker';
  readonly reason: string;
  readonly marker: Marker;
}

/**
 * A marker's declared state switched the policy's parameters to the state's set, from the
 * next frame (ok), or could not (an unknown state in a replayed file: nothing changed).
 */
export interface PolicyStateEvent {
  readonly t_s: number;
  readonly kind: 'policy-state';
  readonly reason: string;
  readonly state: string;
  readonly ok: boolean;
  /** Parameter -> new value (ok only). */
  readonly changed?: Readonly<Record<string, number>>;
  /** The same parameters before (ok only). */
  readonly previous?: Readonly<Record<string, number>>;
}

/** Most markers listed in the summary (all are counted; the trace holds every one). */
export const MAX_SUMMARY_MARKERS = 1000;

export type SessionEvent = GovernorEvent | CommandEvent | SessionMarkEvent | DriverEvent | AnnotationEvent | PulseEvent | MarkerEvent | PolicyStateEvent | CalibrationEvent | CalibrationSweepEvent;

/** The answer to a command (published on cmd/ack). */
export interface CommandAck {
  readonly id: string | null;
  readonly ok: boolean;
  readonly error?: string;
  /** An e-stop taken although its payload was wrong: what was wrong with it. */
  readonly warning?: string;
  readonly t_s: number;
}

/**
 * The event and ack of a command refused before it reached a session (it arrived before
 * the session was built): the same shapes as the session's, so it is logged and published alike.
 */
export function commandRefusedOutside(name: string, error: string): { event: CommandEvent; ack: CommandAck } {
  const command = clip(name, MAX_NAME_CHARS);
  return {
    event: { t_s: 0, kind: 'command', reason: `cmd/${command} refused: ${error}`, command, id: null, ok: false },
    ack: { id: null, ok: false, error, t_s: 0 },
  };
}

/** One decision of the loop: a line of the trace. */
export interface SessionStep {
  readonly index: number;
  readonly t_s: number;
  readonly biomarker: number;
  readonly valid: boolean;
  /** What the policy asked for (null if it threw). */
  readonly requested: StimParams | null;
  readonly applied: StimParams;
  /** Governor events of this tick, and commands taken since the previous step. */
  readonly events: readonly SessionEvent[];
  /** Band name -> power per channel (uV^2) of the frame behind this decision. */
  readonly bandPower: Readonly<Record<string, Float64Array>>;
}

/** The trace line of a step (docs/design.md, Session trace): the step without its band powers. */
export function traceRecord(step: SessionStep): Omit<SessionStep, 'bandPower'> {
  return { index: step.index, t_s: step.t_s, biomarker: step.biomarker, valid: step.valid, requested: step.requested, applied: step.applied, events: step.events };
}

export interface SessionSummaryCore {
  duration_s: number;
  frames: number;
  validFrames: number;
  stimOnFraction: number;
  /** Total electrical energy delivered, relative: sum of I^2 * f * PW * dt (mA^2 * s * Hz * s). */
  energy_rel: number;
  limitEvents: number;
  events: Record<string, number>;
  dose: { onTime_s: number; charge_mC: number; pulses: number };
  /** A pulse modality's pulses: fired through the PulseGovernor, refused (by reason). Null without one. */
  pulses: { schedule: string; fired: number; refused: number; refusedBy: Record<string, number> } | null;
  latched: string | null;
  /** Markers taken (docs/markers.md): how many, the policy's declared state at the end (null: none declared), the first MAX_SUMMARY_MARKERS. */
  markers: { count: number; state: string | null; list: ({ t_s: number } & Marker)[] };
  /** The thresholds the policy's calibration placed (controller/thresholdCalibration.ts); null without one, or before it ended. */
  calibration: { t_s: number; ok: boolean; placed: Readonly<Record<string, number>>; previous: Readonly<Record<string, number>>; baseline: CalibrationEvent['baseline'] } | null;
  /** The amplitudes the calibration's stimulation sweep measured and chose (controller/stimulationSweep.ts); null without one, or before it ended. */
  calibrationSweep: { t_s: number; ok: boolean; steps: CalibrationSweepEvent['steps']; chosen: CalibrationSweepEvent['chosen']; previous: CalibrationSweepEvent['previous'] } | null;
}

export interface SessionOptions {
  readonly signalPath: FeatureExtractorOptions;
  readonly policy: Policy;
  readonly governor: SafetyGovernor;
  readonly stimulator: StimulatorPort;
  /** Every event (governor, command, session start and end), as it happens (for the log and telemetry). */
  readonly onEvent?: (event: SessionEvent) => void;
  /** What commands may do; absent: every command is refused. */
  readonly commands?: CommandRules;
  /** Called when a block enters the session (latency measurement, ground truth). */
  readonly onBlock?: (block: SampleBlock) => void;
  /**
   * A pulse modality: where its pulses are wanted, the pulse half of the governor (limits
   * from the config file) and the pulse port. Absent: the session fires no pulses.
   */
  readonly pulses?: { readonly schedule: PulseSchedule; readonly governor: PulseGovernor; readonly stimulator: PulseStimulatorPort };
  /**
   * Places the policy's thresholds from the baseline (policy.calibration): fed every frame
   * until it ends, then its thresholds go to the policy by `retune` before the policy steps
   * on that frame, with a `calibration` event. Absent: the policy keeps its config's.
   */
  readonly calibration?: ThresholdCalibration;
  /**
   * The calibration's stimulation sweep (policy.calibration.sweep): while it lasts its
   * request goes to the governor in place of the policy's (the policy still steps, so its
   * timers follow data time); when it ends, its amplitudes go to the policy by `retune`
   * before the policy steps on that frame, with a `calibration-sweep` event.
   */
  readonly sweep?: StimulationSweep;
}

/** Frame reasons that only mean "the biomarker is still warming up": the data is fresh. */
const WARM_UP_REASONS: ReadonlySet<string> = new Set(['averaging', 'baseline']);

/**
 * The closed loop: source -> filters -> band power -> biomarker -> policy -> governor ->
 * stimulator, one RxJS pipeline driven by data time (docs/design.md). Pure: no clock, no I/O
 * but the ports it is given, so a replay at any speed makes the same decisions.
 *
 * Stopping (`requestStop`) asks for off through the governor, so stimulation ramps down
 * at the governor's rate; the stream completes on the first frame with 0 mA applied. If
 * the data ends first, the governor cuts the output (`session-end`).
 */
export class ClosedLoopSession {
  private readonly o: SessionOptions;
  private stopRequested = false;
  private ended = false;
  private started = false;
  /** The stop ramp reached 0 mA (a stop that went to its end, not a cut). */
  private rampedOff = false;
  private stoppedWhileOn = false;
  private lastT_s = 0;
  private readonly startIndex: number;
  private lastIndex = 0;
  /** Exclusive end index of the last frame decided. */
  private lastFrameIndex = 0;
  private lastRequest: StimParams | null = null;
  private frames = 0;
  private validFrames = 0;
  private energy = 0;
  private readonly eventCounts: Record<string, number> = {};
  private pendingEvents: SessionEvent[] = [];
  /**
   * Pulse events wait here for the first step whose window ends after their sample, so a
   * trace line holds the same pulses however the signal was cut into blocks (live blocks,
   * a replay's 1-s records).
   */
  private pendingPulses: PulseEvent[] = [];
  private readonly pulseRefusals: Record<string, number> = {};
  private readonly commands: CommandProcessor;
  /** The state the last marker switched the policy to (docs/markers.md); null: none yet. */
  private policyState: string | null = null;
  private readonly markerList: ({ t_s: number } & Marker)[] = [];
  private calibrated: SessionSummaryCore['calibration'] = null;
  private swept: SessionSummaryCore['calibrationSweep'] = null;

  constructor(options: SessionOptions) {
    this.o = options;
    // A replay from the middle of a file starts there: time and duration count from it.
    this.startIndex = options.signalPath.startIndex ?? 0;
    this.lastIndex = this.startIndex;
    this.lastFrameIndex = this.startIndex;
    this.lastT_s = this.startIndex / options.signalPath.fs_Hz;
    this.commands = new CommandProcessor(options.commands ?? { enabled: false, maxRate_per_s: 1, burst: 1, tunable: {} });
  }

  /**
   * A command from outside (the MQTT cmd/ topics): decided by the CommandProcessor (see
   * there: retained never runs, e-stop always does), then acted on at once (e-stop, reset)
   * or from the next frame (policy parameters). Taken or refused, it is an event, so it is
   * in the log, the events topic and the trace. `now_ms` is host monotonic time, for the
   * rate limit only.
   */
  command(name: string, payload: string | Uint8Array, now_ms: number, delivery: CommandDelivery = {}): CommandAck {
    const decision = this.commands.decide(name, payload, now_ms, this.o.policy.parameters(), delivery);
    const action = decision.action;
    const label = `cmd/${decision.command} ${decision.id ?? '(no id)'}`;
    let reason: string;
    if (!decision.ok || action === undefined) {
      reason = `${label} refused: ${decision.error ?? 'invalid'}`;
    } else if (action.type === 'estop') {
      this.estop(action.reason);
      reason = `${label} accepted: ${action.reason}${decision.warning ? ` (${decision.warning})` : ''}`;
    } else if (action.type === 'reset') {
      const tick = this.o.governor.reset(this.lastT_s, action.reason);
      this.o.stimulator.apply(tick.applied, this.lastT_s);
      // Pulses go out again once nothing holds them (docs/design.md, Modalities: a reset resumes the schedule where it is in time).
      if (this.o.governor.latched === null && !this.stopRequested) this.o.pulses?.stimulator.resume();
      this.report(tick.events);
      reason = `cmd/reset ${decision.id} accepted${tick.events.length === 0 ? ' (nothing was latched)' : ''}`;
    } else if (action.type === 'marker') {
      this.mark(action.marker, this.lastT_s, action.state);
      reason = `cmd/marker ${decision.id} accepted: ${describeMarker(action.marker)}`;
    } else {
      this.o.policy.retune(action.next);
      reason = `cmd/policy ${decision.id} accepted: ${Object.entries(action.changed).map(([k, v]) => `${k}=${v}`).join(', ')}`;
    }
    const event: CommandEvent = { t_s: this.lastT_s, kind: 'command', reason, command: decision.command, id: decision.id, ok: decision.ok };
    this.report([event]);
    if (!decision.ok) return { id: decision.id, ok: false, error: decision.error, t_s: this.lastT_s };
    return decision.warning ? { id: decision.id, ok: true, warning: decision.warning, t_s: this.lastT_s } : { id: decision.id, ok: true, t_s: this.lastT_s };
  }

  /**
   * Events that happened since the last step and are in no step yet (those after the last
   * frame: the end of the session, a late command): handed over once, for the trace's
   * closing line.
   */
  takePendingEvents(): SessionEvent[] {
    const events = [...this.pendingEvents, ...this.pendingPulses];
    this.pendingEvents = [];
    this.pendingPulses = [];
    return events;
  }

  run(blocks: Observable<SampleBlock>): Observable<SessionStep> {
    // `session-start` when the loop is subscribed: onEvent hears it at once, the trace in the first step.
    return defer(() => {
      if (!this.started) {
        this.started = true;
        this.report([{ t_s: this.lastT_s, kind: 'session-start', reason: `session started: ${this.o.policy.kind} policy, ${this.o.signalPath.channels.length} channel(s) at ${this.o.signalPath.fs_Hz} Hz${this.o.pulses ? `; pulses: ${this.o.pulses.schedule.describe}` : ''}` }]);
      }
      return blocks;
    }).pipe(
      tap((block) => {
        this.lastIndex = block.firstIndex + (block.data[0]?.length ?? 0);
        this.o.onBlock?.(block);
        this.o.pulses?.schedule.observe?.(block);
        this.firePulses(this.lastIndex);
      }),
      featureFrames(this.o.signalPath),
      map((frame) => this.decide(frame)),
      // End of data or a failure: settle the books before the subscriber hears of it.
      tap({
        complete: () => this.end(this.stopRequested ? 'session stopped' : 'end of data'),
        error: (error: unknown) => this.end(`error: ${clip(error instanceof Error ? error.message : String(error))}`),
      }),
      takeWhile((step) => {
        const goOn = !(this.stopRequested && step.applied.amplitude_mA === 0);
        if (!goOn) this.rampedOff = true;
        return goOn;
      }, true),
      // Completed after the ramp to off, or unsubscribed early (a hard stop): the output must still end up off.
      finalize(() => this.end(this.rampedOff ? 'session stopped' : 'session cut')),
    );
  }

  /** Ramp to off through the governor, then complete. */
  requestStop(): void {
    // Whether the stop had stimulation to ramp down: the session-end then says so, not "already off".
    if (!this.stopRequested) this.stoppedWhileOn = this.o.governor.applied.enabled && this.o.governor.applied.amplitude_mA > 0;
    this.stopRequested = true;
    this.o.pulses?.stimulator.halt('the session is stopping');
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Emergency stop from outside the data flow (e-stop input, command): off at once. */
  estop(reason: string): void {
    const tick = this.o.governor.estop(this.lastT_s, reason);
    this.o.stimulator.apply(tick.applied, this.lastT_s);
    this.o.pulses?.stimulator.halt(`e-stop: ${reason}`);
    this.report(tick.events);
  }

  /**
   * The stimulator hardware failed (its driver gave up): the governor latches `fault`, the
   * output goes off at once and stays off for the rest of the session.
   */
  fault(device: string, reason: string): void {
    const tick = this.o.governor.fault(this.lastT_s, `${device}: ${reason}`);
    this.o.stimulator.apply(tick.applied, this.lastT_s);
    this.o.pulses?.stimulator.halt(`fault: ${device}: ${reason}`);
    this.report(tick.events);
  }

  /**
   * Something a driver noticed (a gap, a fallback to polling), or an annotation of a
   * replayed file: logged, published and traced (in the next step) like every event. A
   * replayed file's marker is taken as cmd/marker took it live: a declared state switches
   * the policy's parameters from the next frame, or, unknown to this config's policy, is
   * an event saying so and changes nothing.
   */
  note(event: DriverEvent | AnnotationEvent | MarkerEvent): void {
    if (event.kind === 'marker') this.mark(event.marker, event.t_s, event.marker.state === undefined ? undefined : switchPolicyState(this.o.policy.parameters(), event.marker.state));
    else this.report([event]);
  }

  /**
   * A marker at `t_s`: its event, then, with a declared state, the switch of the policy's
   * parameters (retuned now, in force from the next frame) and its event.
   */
  private mark(marker: Marker, t_s: number, change: StateSwitch | undefined): void {
    this.report([{ t_s, kind: 'marker', reason: `marker: ${describeMarker(marker)}`, marker }]);
    if (this.markerList.length < MAX_SUMMARY_MARKERS) this.markerList.push({ t_s, ...marker });
    if (change === undefined) return;
    if (!change.ok) {
      this.report([{ t_s, kind: 'policy-state', reason: `policy state ${change.state} not taken: ${change.error}; parameters unchanged`, state: change.state, ok: false }]);
      return;
    }
    this.o.policy.retune(change.next);
    this.policyState = change.state;
    const what = Object.entries(change.changed).map(([k, v]) => `${k} ${change.previous[k]} -> ${v}`).join(', ');
    this.report([{ t_s, kind: 'policy-state', reason: `policy state ${change.state}: ${what} (from the next frame)`, state: change.state, ok: true, changed: change.changed, previous: change.previous }]);
  }

  /** Feeds the calibration; when it ends, its thresholds go to the policy (from this frame) and its event is reported. */
  private calibrate(frame: FeatureFrame): void {
    const result = this.o.calibration?.observe(frame, this.o.policy.parameters()) ?? null;
    if (result === null) return;
    if (result.ok && result.next !== undefined) this.o.policy.retune(result.next);
    const event = calibrationEvent(frame.t_s, result);
    this.calibrated = { t_s: event.t_s, ok: event.ok, placed: event.placed, previous: event.previous, baseline: event.baseline };
    this.report([event]);
  }

  /** Feeds the sweep; when it ends, its amplitudes go to the policy (from this frame) and its event is reported. */
  private sweepEnd(frame: FeatureFrame): void {
    const result = this.o.sweep?.observe(frame, this.o.policy.parameters(), this.o.governor.applied.amplitude_mA) ?? null;
    if (result === null) return;
    if (result.ok && result.next !== undefined) this.o.policy.retune(result.next);
    const event = calibrationSweepEvent(frame.t_s, result);
    this.swept = { t_s: event.t_s, ok: event.ok, steps: event.steps, chosen: event.chosen, previous: event.previous };
    this.report([event]);
  }

  /**
   * The source has delivered nothing for `silent_s` of host time (live only): tick the
   * governor so that its watchdog can fall back, with the policy's last request.
   */
  sourceSilent(silent_s: number): void {
    const t = this.lastT_s + silent_s;
    const tick = this.o.governor.tick(t, this.lastRequest, false);
    this.o.stimulator.apply(tick.applied, t);
    this.report(tick.events);
  }

  /** Data time of the last sample taken (the end, once the session has ended). */
  get end_s(): number {
    return this.lastIndex / this.o.signalPath.fs_Hz;
  }

  summary(): SessionSummaryCore {
    const fs = this.o.signalPath.fs_Hz;
    const duration_s = (this.lastIndex - this.startIndex) / fs;
    const dose = this.o.governor.dose;
    return {
      duration_s,
      frames: this.frames,
      validFrames: this.validFrames,
      stimOnFraction: duration_s > 0 ? dose.onTime_s / duration_s : 0,
      energy_rel: this.energy,
      limitEvents: this.o.governor.limitEvents,
      events: { ...this.eventCounts },
      dose: { ...dose },
      pulses: this.o.pulses ? { schedule: this.o.pulses.schedule.describe, fired: this.o.pulses.governor.pulses, refused: this.eventCounts['pulse-refused'] ?? 0, refusedBy: { ...this.pulseRefusals } } : null,
      latched: this.o.governor.latched,
      markers: { count: this.eventCounts.marker ?? 0, state: this.policyState, list: this.markerList.map((m) => ({ ...m })) },
      calibration: this.calibrated,
      calibrationSweep: this.swept,
    };
  }

  private decide(frame: FeatureFrame): SessionStep {
    const t = frame.t_s;
    const previous = this.o.governor.applied;
    let request: StimParams | null = null;
    let error: string | undefined;
    if (this.o.calibration !== undefined && !this.o.calibration.finished) this.calibrate(frame);
    if (this.o.sweep !== undefined && !this.o.sweep.finished) this.sweepEnd(frame);
    if (this.stopRequested) {
      request = { enabled: false, amplitude_mA: 0, frequency_Hz: previous.frequency_Hz, pulseWidth_us: previous.pulseWidth_us };
    } else {
      try {
        request = this.o.policy.step(frame);
        // During the calibration's sweep its request stands in for the policy's, on the same path through the governor.
        if (this.o.sweep !== undefined && !this.o.sweep.finished) request = this.o.sweep.request(t, request) ?? request;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    const fresh = frame.valid || (frame.reasons.length > 0 && frame.reasons.every((r) => WARM_UP_REASONS.has(r)));
    const tick = this.o.governor.tick(t, request, fresh, error);
    // Energy of what was applied since the last decision (piecewise constant).
    const dt = Math.max(0, t - this.lastT_s);
    if (previous.enabled) this.energy += previous.amplitude_mA ** 2 * previous.frequency_Hz * (previous.pulseWidth_us * 1e-6) * dt;
    this.lastT_s = t;
    this.lastFrameIndex = frame.index;
    this.lastRequest = request;
    this.frames++;
    if (frame.valid) this.validFrames++;
    this.o.stimulator.apply(tick.applied, t);
    this.report(tick.events, true);
    let events: readonly SessionEvent[] = tick.events;
    let due = 0;
    while (due < this.pendingPulses.length && this.pendingPulses[due].index < frame.index) due++;
    if (this.pendingEvents.length > 0 || due > 0) {
      events = [...this.pendingEvents, ...this.pendingPulses.slice(0, due), ...tick.events];
      this.pendingEvents = [];
      if (due > 0) this.pendingPulses = this.pendingPulses.slice(due);
    }
    const step: SessionStep = { index: frame.index, t_s: t, biomarker: frame.biomarker, valid: frame.valid, requested: request, applied: tick.applied, events, bandPower: frame.bandPower };
    return step;
  }

  /**
   * The pulses wanted below `end` (the block just arrived holds their samples), each
   * through the PulseGovernor: fired ones go to the pulse port. An e-stop or any other
   * latch, and a stop in progress, refuse them. Each is an event in the next step's line.
   */
  private firePulses(end: number): void {
    const p = this.o.pulses;
    if (p === undefined) return;
    const fs = this.o.signalPath.fs_Hz;
    for (const index of p.schedule.dueBefore(end)) {
      const t_s = index / fs;
      const latch = this.o.governor.latched;
      const decision = p.governor.request(index, latch === null ? false : String(latch), this.stopRequested);
      if (decision.fired) {
        p.stimulator.fire({ index, t_s, blockEnd: end });
        this.reportPulse({ t_s, kind: 'pulse', index, reason: `pulse ${decision.pulse} (train ${decision.train})` });
      } else {
        this.pulseRefusals[decision.reason] = (this.pulseRefusals[decision.reason] ?? 0) + 1;
        this.reportPulse({ t_s, kind: 'pulse-refused', index, reason: `${decision.reason}: ${decision.detail}` });
      }
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    // A stop that ramped to off ends at its last frame: the samples that arrived after it
    // in the same block change nothing, and where a block ends must not change the result
    // (a replay of the recording cuts its blocks elsewhere).
    if (this.rampedOff) this.lastIndex = this.lastFrameIndex;
    // Energy up to the end of the data, then nothing may stay on.
    const end_s = this.lastIndex / this.o.signalPath.fs_Hz;
    const applied = this.o.governor.applied;
    if (applied.enabled && end_s > this.lastT_s) {
      this.energy += applied.amplitude_mA ** 2 * applied.frequency_Hz * (applied.pulseWidth_us * 1e-6) * (end_s - this.lastT_s);
    }
    const t_s = Math.max(end_s, this.lastT_s);
    const tick = this.o.governor.shutdown(t_s, reason);
    this.o.stimulator.apply(tick.applied, end_s);
    this.o.pulses?.stimulator.halt(`session ended: ${reason}`);
    // One session-end whatever the output was doing: the governor's if it cut, else ours.
    const cut = tick.events.some((e) => e.kind === 'session-end');
    const how = this.rampedOff && this.stoppedWhileOn ? 'stimulation ramped down to off first' : 'output was already off';
    this.report(cut ? tick.events : [...tick.events, { t_s, kind: 'session-end', reason: `${reason} (${how})` }]);
  }

  /** Counts and forwards a pulse event, and keeps it for the step whose window ends after its sample. */
  private reportPulse(event: PulseEvent): void {
    this.eventCounts[event.kind] = (this.eventCounts[event.kind] ?? 0) + 1;
    this.o.onEvent?.(event);
    this.pendingPulses.push(event);
  }

  /** Counts, forwards and keeps for the next step's trace line every event that happens between steps. */
  private report(events: readonly SessionEvent[], inStep = false): void {
    for (const e of events) {
      this.eventCounts[e.kind] = (this.eventCounts[e.kind] ?? 0) + 1;
      this.o.onEvent?.(e);
      if (!inStep) this.pendingEvents.push(e);
    }
  }
}
