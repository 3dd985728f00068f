import type { LimitsConfig } from '../config/limitsSchema.js';
import { chargePerPhase_uC, maxAmplitudeForCharge_mA, maxChargePerPhase_uC } from './chargeLimit.js';
import { type GovernorEvent, type GovernorEventKind, LIMIT_EVENT_KINDS } from './governorEvent.js';
import { isWellFormedStimParams, type StimParams } from './stimParams.js';

export interface GovernorTick {
  readonly applied: StimParams;
  readonly events: readonly GovernorEvent[];
}

/** What holds the output off: an e-stop, a lockout, a spent dose, or a stimulator that failed (`fault`: only a new session clears it). */
export type GovernorLatch = 'estop' | 'lockout' | 'dose' | 'fault';

export interface DoseDelivered {
  readonly onTime_s: number;
  readonly charge_mC: number;
  readonly pulses: number;
}

/** Room for float rounding in the charge checks: 1e-9 relative. */
const CHARGE_SLACK = 1 + 1e-9;

/**
 * The safety governor of docs/design.md: the only path from a policy or a command to a
 * stimulator. Its limits are copied and frozen at construction; nothing changes them later.
 * Time is the data time of the ticks (session seconds), so replays decide identically.
 *
 * Each tick, in this order: (1) a latched e-stop or lockout gives off and nothing else is
 * considered; (2) the watchdog: no fresh feature frame for staleAfter_ms selects the
 * fallback; (3) a malformed or non-finite request holds the last applied value; (4) hard
 * clamps of amplitude, frequency and pulse width; (5) charge per phase within the
 * density limit and the Shannon criterion, by lowering the amplitude; (6) the ramp: the
 * amplitude moves at most rampUp/rampDown * elapsed; (7) the dose budget: once spent,
 * ramp to off and latch; (8) more than lockout.maxEvents limit events in lockout.window_s
 * latches off. A pulse-width change that would exceed the charge limit at the amplitude
 * still applied waits until the ramp has brought the amplitude down.
 */
export class SafetyGovernor {
  readonly limits: Readonly<LimitsConfig>;
  private readonly maxCharge_uC: number;
  private current: StimParams;
  private lastT_s = Number.NaN;
  private lastFresh_s = Number.NaN;
  private inFallback = false;
  private latch: GovernorLatch | null = null;
  private readonly limitEventTimes: number[] = [];
  private onTime_s = 0;
  private charge_mC = 0;
  private pulses = 0;
  private limitEventCount = 0;

  constructor(limits: LimitsConfig) {
    this.limits = deepFreeze(structuredClone(limits));
    this.maxCharge_uC = maxChargePerPhase_uC(limits.electrodeArea_cm2, limits.maxChargeDensity_uC_cm2, limits.shannonK);
    this.current = {
      enabled: false,
      amplitude_mA: 0,
      frequency_Hz: clamp(130, limits.frequency_Hz.min, limits.frequency_Hz.max),
      pulseWidth_us: clamp(60, limits.pulseWidth_us.min, limits.pulseWidth_us.max),
    };
  }

  get applied(): StimParams {
    return this.current;
  }

  get latched(): GovernorLatch | null {
    return this.latch;
  }

  get fallbackActive(): boolean {
    return this.inFallback;
  }

  /** Limit events so far (clamps, charge reductions, bad requests). */
  get limitEvents(): number {
    return this.limitEventCount;
  }

  get dose(): DoseDelivered {
    return { onTime_s: this.onTime_s, charge_mC: this.charge_mC, pulses: this.pulses };
  }

  /** Emergency stop: output off at once, latched until `reset`. */
  estop(t_s: number, reason: string): GovernorTick {
    this.advance(t_s);
    const events: GovernorEvent[] = [];
    if (this.latch !== 'estop') events.push({ t_s, kind: 'estop', reason });
    // A fault outlives an e-stop: a reset after the e-stop must not bring a failed stimulator back.
    if (this.latch !== 'fault') this.latch = 'estop';
    this.current = this.off();
    return { applied: this.current, events };
  }

  /**
   * The stimulator hardware failed (a DAC that no longer takes writes): output off at once,
   * latched for the rest of the session. `reset` does not clear it: whether the hardware
   * works again is not something a command can know.
   */
  fault(t_s: number, reason: string): GovernorTick {
    this.advance(t_s);
    const events: GovernorEvent[] = [];
    if (this.latch !== 'fault') events.push({ t_s, kind: 'fault', reason });
    this.latch = 'fault';
    this.current = this.off();
    return { applied: this.current, events };
  }

  /** Clears an e-stop or lockout latch (a spent dose budget stays spent for the session). */
  reset(t_s: number, reason: string): GovernorTick {
    this.advance(t_s);
    const events: GovernorEvent[] = [];
    if (this.latch === 'estop' || this.latch === 'lockout') {
      events.push({ t_s, kind: 'reset', reason: `${this.latch} cleared: ${reason}` });
      this.latch = null;
      this.limitEventTimes.length = 0;
    }
    return { applied: this.current, events };
  }

  /** End of the session with no more data time to ramp in: output off at once. */
  shutdown(t_s: number, reason: string): GovernorTick {
    this.advance(t_s);
    const events: GovernorEvent[] = this.current.amplitude_mA > 0 ? [{ t_s, kind: 'session-end', reason }] : [];
    this.current = this.off();
    return { applied: this.current, events };
  }

  /**
   * One decision. `request` is whatever the policy returned (validated here); `fresh` says
   * whether this tick brings a usable feature frame (it feeds the watchdog);
   * `requestError` reports a policy that threw.
   */
  tick(t_s: number, request: unknown, fresh: boolean, requestError?: string): GovernorTick {
    const dt = this.advance(t_s);
    const events: GovernorEvent[] = [];
    const event = (kind: GovernorEventKind, reason: string): void => {
      events.push({ t_s, kind, reason });
    };
    const L = this.limits;
    const prev = this.current;

    // The watchdog's clock runs whatever the state, so that it is right after a reset.
    if (Number.isNaN(this.lastFresh_s)) this.lastFresh_s = t_s;
    if (fresh) this.lastFresh_s = t_s;

    // 1. Latched e-stop or lockout.
    if (this.latch === 'estop' || this.latch === 'lockout' || this.latch === 'fault') {
      this.current = this.off();
      return { applied: this.current, events };
    }

    // 2. Watchdog.
    const stale = (t_s - this.lastFresh_s) * 1000 >= L.staleAfter_ms;
    if (stale && !this.inFallback) {
      this.inFallback = true;
      event('watchdog-fallback', `no valid feature frame for ${Math.round((t_s - this.lastFresh_s) * 1000)} ms (staleAfter_ms ${L.staleAfter_ms}): fallback ${L.fallback.mode === 'off' ? 'off' : `${L.fallback.amplitude_mA} mA`}`);
    } else if (!stale && this.inFallback) {
      this.inFallback = false;
      event('watchdog-recovered', 'valid feature frames again');
    }

    // 3. The target: fallback, a held value for a bad request, or the request.
    let enabled: boolean;
    let amplitude: number;
    let frequency: number;
    let pulseWidth: number;
    if (this.inFallback) {
      const fb = L.fallback;
      enabled = fb.mode === 'fixed' && fb.amplitude_mA > 0;
      amplitude = fb.mode === 'fixed' ? fb.amplitude_mA : 0;
      frequency = fb.mode === 'fixed' ? fb.frequency_Hz : prev.frequency_Hz;
      pulseWidth = fb.mode === 'fixed' ? fb.pulseWidth_us : prev.pulseWidth_us;
    } else if (requestError !== undefined || !isWellFormedStimParams(request)) {
      if (requestError !== undefined) event('policy-error', `policy failed (${requestError}): holding ${prev.amplitude_mA} mA`);
      else event('nonfinite-request', `malformed or non-finite request ${describe(request)}: holding ${prev.amplitude_mA} mA`);
      ({ enabled, amplitude_mA: amplitude, frequency_Hz: frequency, pulseWidth_us: pulseWidth } = prev);
    } else {
      ({ enabled, amplitude_mA: amplitude, frequency_Hz: frequency, pulseWidth_us: pulseWidth } = request);
    }

    // 7 (checked before the ramp so that a spent budget ramps to off in this tick).
    if (this.latch === null && this.doseSpent()) {
      this.latch = 'dose';
      event('dose-exhausted', `dose budget spent (on ${this.onTime_s.toFixed(1)} s, ${this.charge_mC.toFixed(3)} mC, ${Math.floor(this.pulses)} pulses): ramping off, latched`);
    }
    if (this.latch === 'dose') enabled = false;

    // 4. Hard clamps (reported only for an output that is meant to be on).
    if (!enabled) amplitude = 0;
    if (amplitude < 0 || amplitude > L.amplitude_mA.max) {
      const to = clamp(amplitude, 0, L.amplitude_mA.max);
      event('clamp', `amplitude ${amplitude} mA outside [0, ${L.amplitude_mA.max}] mA: ${to} mA`);
      amplitude = to;
    }
    const f = clamp(frequency, L.frequency_Hz.min, L.frequency_Hz.max);
    if (f !== frequency && enabled) event('clamp', `frequency ${frequency} Hz outside [${L.frequency_Hz.min}, ${L.frequency_Hz.max}] Hz: ${f} Hz`);
    frequency = f;
    const pw = clamp(pulseWidth, L.pulseWidth_us.min, L.pulseWidth_us.max);
    if (pw !== pulseWidth && enabled) event('clamp', `pulse width ${pulseWidth} us outside [${L.pulseWidth_us.min}, ${L.pulseWidth_us.max}] us: ${pw} us`);
    pulseWidth = pw;

    // 5. Charge per phase.
    const allowed = maxAmplitudeForCharge_mA(this.maxCharge_uC, pulseWidth);
    if (amplitude > allowed) {
      event('charge-limit', `${amplitude} mA at ${pulseWidth} us is ${chargePerPhase_uC(amplitude, pulseWidth).toFixed(3)} uC per phase, over ${this.maxCharge_uC.toFixed(3)} uC (density and Shannon limits): ${allowed.toFixed(4)} mA`);
      amplitude = allowed;
    }

    // 6. Ramp.
    let next = Math.min(Math.max(amplitude, prev.amplitude_mA - L.rampDown_mA_per_s * dt), prev.amplitude_mA + L.rampUp_mA_per_s * dt);
    // A wider pulse is adopted only once the applied amplitude allows it.
    if (chargePerPhase_uC(next, pulseWidth) > this.maxCharge_uC * CHARGE_SLACK) {
      pulseWidth = prev.pulseWidth_us;
      next = Math.min(next, maxAmplitudeForCharge_mA(this.maxCharge_uC, pulseWidth));
    }
    if (!(next > 0)) next = 0; // also turns -0 into 0

    // 8. Lockout.
    let limitEvents = 0;
    for (const e of events) if (LIMIT_EVENT_KINDS.has(e.kind)) limitEvents++;
    if (limitEvents > 0) {
      this.limitEventCount += limitEvents;
      for (let i = 0; i < limitEvents; i++) this.limitEventTimes.push(t_s);
      const since = t_s - L.lockout.window_s;
      while (this.limitEventTimes.length > 0 && this.limitEventTimes[0] <= since) this.limitEventTimes.shift();
      if (this.limitEventTimes.length > L.lockout.maxEvents) {
        this.latch = 'lockout';
        event('lockout', `${this.limitEventTimes.length} limit events within ${L.lockout.window_s} s (more than ${L.lockout.maxEvents}): off, latched until reset`);
        this.current = this.off();
        return { applied: this.current, events };
      }
    }

    this.current = { enabled: next > 0, amplitude_mA: next, frequency_Hz: frequency, pulseWidth_us: pulseWidth };
    return { applied: this.current, events };
  }

  /** Moves the governor's clock to t_s, adding the dose delivered since the last tick. */
  private advance(t_s: number): number {
    const dt = Number.isNaN(this.lastT_s) ? 0 : Math.max(0, t_s - this.lastT_s);
    if (!(t_s < this.lastT_s)) this.lastT_s = t_s;
    const c = this.current;
    if (c.enabled && c.amplitude_mA > 0 && dt > 0) {
      const pulses = c.frequency_Hz * dt;
      this.onTime_s += dt;
      this.pulses += pulses;
      this.charge_mC += (chargePerPhase_uC(c.amplitude_mA, c.pulseWidth_us) / 1000) * pulses;
    }
    return dt;
  }

  private doseSpent(): boolean {
    const d = this.limits.dose;
    return (
      (d.maxOnTime_s !== undefined && this.onTime_s >= d.maxOnTime_s) ||
      (d.maxCharge_mC !== undefined && this.charge_mC >= d.maxCharge_mC) ||
      (d.maxPulses !== undefined && this.pulses >= d.maxPulses)
    );
  }

  private off(): StimParams {
    return { enabled: false, amplitude_mA: 0, frequency_Hz: this.current.frequency_Hz, pulseWidth_us: this.current.pulseWidth_us };
  }
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
