import { finalize, type Observable, map, takeWhile, tap } from 'rxjs';
import type { FeatureExtractorOptions, FeatureFrame } from '../signals/featureExtractor.js';
import { featureFrames } from '../signals/operators.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import type { GovernorEvent } from './governorEvent.js';
import type { Policy } from './policies/policy.js';
import type { StimulatorPort } from './ports.js';
import type { SafetyGovernor } from './safetyGovernor.js';
import type { StimParams } from './stimParams.js';

/** One decision of the loop: a line of the trace. */
export interface SessionStep {
  readonly index: number;
  readonly t_s: number;
  readonly biomarker: number;
  readonly valid: boolean;
  /** What the policy asked for (null if it threw). */
  readonly requested: StimParams | null;
  readonly applied: StimParams;
  readonly events: readonly GovernorEvent[];
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
  latched: string | null;
}

export interface SessionOptions {
  readonly signalPath: FeatureExtractorOptions;
  readonly policy: Policy;
  readonly governor: SafetyGovernor;
  readonly stimulator: StimulatorPort;
  /** Every governor event, as it happens (for the log). */
  readonly onEvent?: (event: GovernorEvent) => void;
  /** Called when a block enters the session (latency measurement, ground truth). */
  readonly onBlock?: (block: SampleBlock) => void;
  /** Called right after the stimulator has been given a new output. */
  readonly onApplied?: (step: SessionStep) => void;
}

/** Frame reasons that only mean "the biomarker is still warming up": the data is fresh. */
const WARM_UP_REASONS: ReadonlySet<string> = new Set(['averaging', 'baseline']);

/**
 * The closed loop: source -> filters -> band power -> biomarker -> policy -> governor ->
 * stimulator, one RxJS pipeline driven by data time (DESIGN.md). Pure: no clock, no I/O
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
  private lastT_s = 0;
  private lastIndex = 0;
  private lastRequest: StimParams | null = null;
  private frames = 0;
  private validFrames = 0;
  private energy = 0;
  private readonly eventCounts: Record<string, number> = {};

  constructor(options: SessionOptions) {
    this.o = options;
  }

  run(blocks: Observable<SampleBlock>): Observable<SessionStep> {
    return blocks.pipe(
      tap((block) => {
        this.lastIndex = block.firstIndex + (block.data[0]?.length ?? 0);
        this.o.onBlock?.(block);
      }),
      featureFrames(this.o.signalPath),
      map((frame) => this.decide(frame)),
      // End of data: settle the books before the subscriber hears `complete`.
      tap({ complete: () => this.end() }),
      takeWhile((step) => !(this.stopRequested && step.applied.amplitude_mA === 0), true),
      // Unsubscribed early (a hard stop): the output must still end up off.
      finalize(() => this.end()),
    );
  }

  /** Ramp to off through the governor, then complete. */
  requestStop(): void {
    this.stopRequested = true;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Emergency stop from outside the data flow (e-stop input, command): off at once. */
  estop(reason: string): void {
    const tick = this.o.governor.estop(this.lastT_s, reason);
    this.o.stimulator.apply(tick.applied, this.lastT_s);
    this.report(tick.events);
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

  summary(): SessionSummaryCore {
    const fs = this.o.signalPath.fs_Hz;
    const duration_s = this.lastIndex / fs;
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
      latched: this.o.governor.latched,
    };
  }

  private decide(frame: FeatureFrame): SessionStep {
    const t = frame.t_s;
    const previous = this.o.governor.applied;
    let request: StimParams | null = null;
    let error: string | undefined;
    if (this.stopRequested) {
      request = { enabled: false, amplitude_mA: 0, frequency_Hz: previous.frequency_Hz, pulseWidth_us: previous.pulseWidth_us };
    } else {
      try {
        request = this.o.policy.step(frame);
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
    this.lastRequest = request;
    this.frames++;
    if (frame.valid) this.validFrames++;
    this.o.stimulator.apply(tick.applied, t);
    this.report(tick.events);
    const step: SessionStep = { index: frame.index, t_s: t, biomarker: frame.biomarker, valid: frame.valid, requested: request, applied: tick.applied, events: tick.events };
    this.o.onApplied?.(step);
    return step;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    // Energy up to the end of the data, then nothing may stay on.
    const end_s = this.lastIndex / this.o.signalPath.fs_Hz;
    const applied = this.o.governor.applied;
    if (applied.enabled && end_s > this.lastT_s) {
      this.energy += applied.amplitude_mA ** 2 * applied.frequency_Hz * (applied.pulseWidth_us * 1e-6) * (end_s - this.lastT_s);
    }
    const tick = this.o.governor.shutdown(Math.max(end_s, this.lastT_s), this.stopRequested ? 'session stopped' : 'end of data');
    this.o.stimulator.apply(tick.applied, end_s);
    this.report(tick.events);
  }

  private report(events: readonly GovernorEvent[]): void {
    for (const e of events) {
      this.eventCounts[e.kind] = (this.eventCounts[e.kind] ?? 0) + 1;
      this.o.onEvent?.(e);
    }
  }
}
