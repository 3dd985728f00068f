import type { LimitsConfig } from '../config/limitsSchema.js';
import type { CurrentLimits, Modality, VnsLimits } from '../config/modalityLimitsSchema.js';
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
  /** Pulsed (dbs, vns): one phase per pulse. tdcs: the integral of I dt; tacs: (2/pi) x I_peak x t. */
  readonly charge_mC: number;
  readonly pulses: number;
  /** Only for vns, tdcs and tacs (a dbs dose is as it always was). */
  readonly modality?: 'vns' | 'tdcs' | 'tacs';
  /** vns: on-periods started, and the longest one (to the last tick for one still on). */
  readonly onPeriods?: number;
  readonly longestOn_s?: number;
}

/**
 * How the governor treats the output (docs/modalities-currents.md): pulsed current (dbs,
 * and tms/ttl whose amplitude limit is 0), VNS (pulsed, in a duty cycle), or a continuous
 * current, direct (tdcs) or sinusoidal (tacs).
 */
type Rule = 'pulsed' | 'vns' | 'dc' | 'sine';

/**
 * The modality the limits are written for: limits.vns is VNS, limits.current a current
 * (tACS when it has its frequency range, else tDCS), neither a pulsed current (dbs, or a
 * pulse modality with no current). The config ties these blocks to stimulator.modality
 * (config/modalityChecks.ts), so the limits alone tell the governor its rules.
 */
export function modalityOfLimits(limits: LimitsConfig): 'dbs' | 'vns' | 'tdcs' | 'tacs' {
  if (limits.vns !== undefined && limits.current !== undefined) throw new Error('SafetyGovernor: limits.vns and limits.current are for different modalities; a config has one');
  if (limits.vns !== undefined) return 'vns';
  if (limits.current !== undefined) return limits.current.frequency_Hz === undefined ? 'tdcs' : 'tacs';
  return 'dbs';
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
 *
 * Per modality (docs/modalities-currents.md): dbs is exactly the above (so are tms and
 * ttl, whose amplitude limit is 0). vns adds (5b) its duty cycle (limits.vns): each
 * on-period ramps off in time to be at 0 mA by maxOn_s, and a request to turn on within
 * minOff_s of the last on-period's end is refused. tdcs and tacs have no pulses (no
 * charge per phase, no pulse-width or pulse-rate limits; a tACS sine's frequency stays in
 * limits.current.frequency_Hz), their charge is the integral of |I| dt, the amplitude
 * slews at most amplitude_mA.max / minRamp_s, and (5b) the amplitude stays low enough to
 * ramp off within what is left of maxDuration_s and maxCharge_mC; a request above that
 * spends the budget: ramp off and latch (`dose`). These bounds plan each output to hold
 * one tick interval (the interval since the previous tick): exact at a steady tick rate
 * (the frames' hop); a tick later than that (a gap in the data) can overrun them by the
 * extra delay, at the last, lowest level of the ramp.
 */
export class SafetyGovernor {
  readonly limits: Readonly<LimitsConfig>;
  /** What the output is: dbs (also for tms and ttl, whose amplitude limit is 0), vns, tdcs or tacs. */
  readonly modality: Modality;
  private readonly maxCharge_uC: number;
  private readonly rule: Rule;
  private readonly vns: Readonly<VnsLimits> | null;
  private readonly currentLimits: Readonly<CurrentLimits> | null;
  /** Amplitude slew, mA/s: the limits' ramps, and for currents also amplitude_mA.max / minRamp_s. */
  private readonly up_mA_per_s: number;
  private readonly down_mA_per_s: number;
  /** Charge per mA second of a current: 1 (direct), 2/pi (a sine, per mA of peak). */
  private readonly chargeWeight: number;
  /** The previous tick: the output decided now is planned to hold as long as the interval since then. */
  private lastTick_s = Number.NaN;
  /** vns: when the output last went above 0 mA (an on-period) and last came back to 0 (an off-period). */
  private onSince_s = Number.NaN;
  private offSince_s = Number.NaN;
  private onPeriods = 0;
  private longestOn_s = 0;
  private onPeriodCutReported = false;
  private refusingOn = false;
  /** tdcs/tacs: the budget of limits.current is spent; like a spent dose, for the rest of the session. */
  private currentSpent = false;
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

  /**
   * `modality` is stimulator.modality; without it, the one the limits are written for
   * (modalityOfLimits). A modality the limits do not fit is a programming error: thrown.
   */
  constructor(limits: LimitsConfig, modality?: Modality) {
    this.limits = deepFreeze(structuredClone(limits));
    this.maxCharge_uC = maxChargePerPhase_uC(limits.electrodeArea_cm2, limits.maxChargeDensity_uC_cm2, limits.shannonK);
    this.current = {
      enabled: false,
      amplitude_mA: 0,
      frequency_Hz: clamp(130, limits.frequency_Hz.min, limits.frequency_Hz.max),
      pulseWidth_us: clamp(60, limits.pulseWidth_us.min, limits.pulseWidth_us.max),
    };
    const implied = modalityOfLimits(limits);
    const fits = modality === undefined || modality === implied || (implied === 'dbs' && (modality === 'tms' || modality === 'ttl'));
    if (!fits) throw new Error(`SafetyGovernor: stimulator.modality ${modality} does not fit the limits, which are for ${implied} (limits.vns: vns; limits.current: tdcs, or tacs with its frequency_Hz; neither: dbs, tms, ttl)`);
    this.modality = modality ?? implied;
    this.rule = implied === 'vns' ? 'vns' : implied === 'tdcs' ? 'dc' : implied === 'tacs' ? 'sine' : 'pulsed';
    this.vns = this.limits.vns ?? null;
    this.currentLimits = this.limits.current ?? null;
    const cl = this.currentLimits;
    const slew = cl === null ? Number.POSITIVE_INFINITY : limits.amplitude_mA.max / cl.minRamp_s;
    this.up_mA_per_s = Math.min(limits.rampUp_mA_per_s, slew);
    this.down_mA_per_s = Math.min(limits.rampDown_mA_per_s, slew);
    this.chargeWeight = this.rule === 'sine' ? 2 / Math.PI : 1;
    // A current has no pulses: frequency 0 (direct) or the sine's, pulse width 0.
    if (this.rule === 'dc') this.current = { enabled: false, amplitude_mA: 0, frequency_Hz: 0, pulseWidth_us: 0 };
    if (this.rule === 'sine' && cl?.frequency_Hz !== undefined) this.current = { enabled: false, amplitude_mA: 0, frequency_Hz: cl.frequency_Hz.min, pulseWidth_us: 0 };
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
    const dose = { onTime_s: this.onTime_s, charge_mC: this.charge_mC, pulses: this.pulses };
    if (this.rule === 'pulsed') return dose;
    if (this.rule === 'vns') {
      const open_s = this.current.amplitude_mA > 0 ? this.lastT_s - this.onSince_s : 0;
      return { ...dose, modality: 'vns', onPeriods: this.onPeriods, longestOn_s: Math.max(this.longestOn_s, open_s) };
    }
    return { ...dose, modality: this.rule === 'dc' ? 'tdcs' : 'tacs' };
  }

  /** Emergency stop: output off at once, latched until `reset`. */
  estop(t_s: number, reason: string): GovernorTick {
    this.advance(t_s);
    const events: GovernorEvent[] = [];
    if (this.latch !== 'estop') events.push({ t_s, kind: 'estop', reason });
    // A fault outlives an e-stop: a reset after the e-stop must not bring a failed stimulator back.
    if (this.latch !== 'fault') this.latch = 'estop';
    this.setApplied(t_s, this.off());
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
    this.setApplied(t_s, this.off());
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
    this.setApplied(t_s, this.off());
    return { applied: this.current, events };
  }

  /**
   * One decision. `request` is whatever the policy returned (validated here); `fresh` says
   * whether this tick brings a usable feature frame (it feeds the watchdog);
   * `requestError` reports a policy that threw.
   */
  tick(t_s: number, request: unknown, fresh: boolean, requestError?: string): GovernorTick {
    const dt = this.advance(t_s);
    // The interval since the last tick: how long this tick's output is planned to hold (modality limits only).
    const hold_s = Number.isNaN(this.lastTick_s) ? 0 : Math.max(0, t_s - this.lastTick_s);
    if (!(t_s < this.lastTick_s)) this.lastTick_s = t_s;
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
      this.setApplied(t_s, this.off());
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
    if (this.latch === null && (this.doseSpent() || this.currentSpent)) {
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
    if (this.rule === 'pulsed' || this.rule === 'vns') {
      const f = clamp(frequency, L.frequency_Hz.min, L.frequency_Hz.max);
      if (f !== frequency && enabled) event('clamp', `frequency ${frequency} Hz outside [${L.frequency_Hz.min}, ${L.frequency_Hz.max}] Hz: ${f} Hz`);
      frequency = f;
      const pw = clamp(pulseWidth, L.pulseWidth_us.min, L.pulseWidth_us.max);
      if (pw !== pulseWidth && enabled) event('clamp', `pulse width ${pulseWidth} us outside [${L.pulseWidth_us.min}, ${L.pulseWidth_us.max}] us: ${pw} us`);
      pulseWidth = pw;

      // 5. Charge per phase (pulsed currents only).
      const allowed = maxAmplitudeForCharge_mA(this.maxCharge_uC, pulseWidth);
      if (amplitude > allowed) {
        event('charge-limit', `${amplitude} mA at ${pulseWidth} us is ${chargePerPhase_uC(amplitude, pulseWidth).toFixed(3)} uC per phase, over ${this.maxCharge_uC.toFixed(3)} uC (density and Shannon limits): ${allowed.toFixed(4)} mA`);
        amplitude = allowed;
      }
    } else {
      // A current: no pulses. A sine's frequency stays in limits.current.frequency_Hz.
      const range = this.currentLimits?.frequency_Hz;
      if (this.rule === 'sine' && range !== undefined) {
        const f = clamp(frequency, range.min, range.max);
        if (f !== frequency && enabled) event('clamp', `frequency ${frequency} Hz outside limits.current.frequency_Hz [${range.min}, ${range.max}] Hz: ${f} Hz`);
        frequency = f;
      } else {
        frequency = 0;
      }
      pulseWidth = 0;
    }

    // 5b. The modality's own limits (VNS duty cycle, a current's budget), on the target before the ramp.
    if (this.rule === 'vns') amplitude = this.dutyCycle(t_s, hold_s, prev.amplitude_mA, amplitude, event);
    else if (this.rule === 'dc' || this.rule === 'sine') amplitude = this.currentBudget(hold_s, prev.amplitude_mA, amplitude, event);

    // 6. Ramp.
    let next = Math.min(Math.max(amplitude, prev.amplitude_mA - this.down_mA_per_s * dt), prev.amplitude_mA + this.up_mA_per_s * dt);
    // A modality's bounds follow the ramp down exactly: a step that misses its target by float rounding lands on it.
    if (this.rule !== 'pulsed' && next > amplitude && next - amplitude <= CAP_SLACK * this.down_mA_per_s * dt) next = amplitude;
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
        this.setApplied(t_s, this.off());
        return { applied: this.current, events };
      }
    }

    this.setApplied(t_s, { enabled: next > 0, amplitude_mA: next, frequency_Hz: frequency, pulseWidth_us: pulseWidth });
    return { applied: this.current, events };
  }

  /**
   * VNS (limits.vns): within minOff_s of the end of an on-period, a request to turn on is
   * refused (one event per run of refused requests); during an on-period the amplitude
   * stays low enough that a ramp down at rampDown_mA_per_s, each level held one tick
   * interval, is back at 0 mA by maxOn_s from its start (one event per on-period when it
   * cuts). Returns the target amplitude allowed.
   */
  private dutyCycle(t_s: number, hold_s: number, applied_mA: number, target_mA: number, event: (kind: GovernorEventKind, reason: string) => void): number {
    const v = this.vns;
    if (v === null) return target_mA;
    const on = applied_mA > 0;
    const off_s = t_s - this.offSince_s; // NaN before the first on-period ends: no off-period to keep
    const refused = !on && target_mA > 0 && off_s < v.minOff_s * (1 - CAP_SLACK); // the slack: data times are sums of floats
    if (refused && !this.refusingOn) {
      event('duty-cycle', `on refused: off ${off_s.toFixed(2)} s since the on-period ended at ${this.offSince_s.toFixed(2)} s, under limits.vns.minOff_s (${v.minOff_s} s)`);
    }
    this.refusingOn = refused;
    if (refused) return 0;
    const elapsed_s = on ? t_s - this.onSince_s : 0;
    const cap = rampDownWithin(v.maxOn_s - elapsed_s, hold_s, this.down_mA_per_s);
    if (!(target_mA > cap)) return target_mA;
    if (target_mA > cap * (1 + CAP_SLACK) + 1e-12 && !this.onPeriodCutReported) {
      this.onPeriodCutReported = true;
      event('duty-cycle', `on-period ${elapsed_s.toFixed(2)} s long, limits.vns.maxOn_s ${v.maxOn_s} s (ramps included): ramping off from ${mA(applied_mA)} mA to be at 0 mA by then`);
    }
    return cap;
  }

  /**
   * tDCS/tACS (limits.current): the amplitude stays low enough that a ramp down at the slew
   * rate, each level held one tick interval, ends within what is left of maxDuration_s and
   * maxCharge_mC. A request above that spends the budget: ramp off and latch (`dose`), as
   * the dose budget does. Returns the target amplitude allowed.
   */
  private currentBudget(hold_s: number, applied_mA: number, target_mA: number, event: (kind: GovernorEventKind, reason: string) => void): number {
    const c = this.currentLimits;
    if (c === null || !(target_mA > 0)) return target_mA;
    const byDuration = rampDownWithin(c.maxDuration_s - this.onTime_s, hold_s, this.down_mA_per_s);
    const byCharge = rampDownWithinCharge((c.maxCharge_mC - this.charge_mC) / this.chargeWeight, hold_s, this.down_mA_per_s);
    const cap = Math.min(byDuration, byCharge);
    if (!(target_mA > cap)) return target_mA;
    if (target_mA > cap * (1 + CAP_SLACK) + 1e-12 && this.latch === null) {
      this.latch = 'dose';
      this.currentSpent = true;
      const formula = this.rule === 'sine' ? '(2/pi) x I_peak x t' : 'I x t';
      const which =
        byDuration <= byCharge
          ? `limits.current.maxDuration_s (${c.maxDuration_s} s, ramps included; on ${this.onTime_s.toFixed(1)} s so far)`
          : `limits.current.maxCharge_mC (${c.maxCharge_mC} mC, ${formula}; ${this.charge_mC.toFixed(1)} mC so far)`;
      event('dose-exhausted', `${which}: what is left allows only the ramp down from ${mA(applied_mA)} mA: ramping off, latched`);
      return 0;
    }
    return cap;
  }

  /** Sets the output, and for VNS notes where on- and off-periods begin. */
  private setApplied(t_s: number, next: StimParams): void {
    const before = this.current.amplitude_mA;
    this.current = next;
    if (this.rule !== 'vns') return;
    if (!(before > 0) && next.amplitude_mA > 0) {
      this.onSince_s = t_s;
      this.onPeriods++;
    } else if (before > 0 && !(next.amplitude_mA > 0)) {
      this.longestOn_s = Math.max(this.longestOn_s, t_s - this.onSince_s);
      this.offSince_s = t_s;
      this.onPeriodCutReported = false;
    }
  }

  /** Moves the governor's clock to t_s, adding the dose delivered since the last tick. */
  private advance(t_s: number): number {
    const dt = Number.isNaN(this.lastT_s) ? 0 : Math.max(0, t_s - this.lastT_s);
    if (!(t_s < this.lastT_s)) this.lastT_s = t_s;
    const c = this.current;
    if (c.enabled && c.amplitude_mA > 0 && dt > 0) {
      if (this.rule === 'dc' || this.rule === 'sine') {
        // A current: the integral of |I| dt, mA x s = mC (a sine of peak I: (2/pi) I per second).
        this.onTime_s += dt;
        this.charge_mC += this.chargeWeight * c.amplitude_mA * dt;
        return dt;
      }
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

/** An amplitude for a message: at most 4 decimals (a ramp's sums of floats are not for reading). */
const mA = (x: number): number => Number(x.toFixed(4));

/** Room for float rounding before a modality cap counts as binding (an event, a latch): 1e-9 relative. */
const CAP_SLACK = 1e-9;

/**
 * The largest amplitude from which a ramp down at `rate` mA/s, each level held `hold_s`
 * (the tick interval), is at 0 mA within `left_s`: n levels need n x hold_s, so at most
 * floor(left_s / hold_s) levels of rate x hold_s. With no interval yet (the first tick),
 * the continuous ramp: rate x left_s.
 */
export function rampDownWithin(left_s: number, hold_s: number, rate_mA_per_s: number): number {
  if (!(left_s > 0) || !(rate_mA_per_s > 0)) return 0;
  if (!(hold_s > 0)) return rate_mA_per_s * left_s;
  return Math.floor(left_s / hold_s + 1e-9) * rate_mA_per_s * hold_s;
}

/**
 * The largest amplitude A from which that ramp down (levels A, A - r h, ..., each held h)
 * delivers at most `left_mA_s` (charge / weight): with n = ceil(A / (r h)) levels it
 * delivers F(A) = h (n A - r h n (n - 1) / 2), continuous and increasing in A, and
 * F(n r h) = r h^2 n (n + 1) / 2; so n is the least with that >= left, and A solves F(A) = left.
 */
export function rampDownWithinCharge(left_mA_s: number, hold_s: number, rate_mA_per_s: number): number {
  if (!(left_mA_s > 0) || !(rate_mA_per_s > 0)) return 0;
  if (!(hold_s > 0)) return Math.sqrt(2 * rate_mA_per_s * left_mA_s);
  const unit = rate_mA_per_s * hold_s * hold_s;
  let n = Math.max(1, Math.ceil((-1 + Math.sqrt(1 + (8 * left_mA_s) / unit)) / 2));
  if (!Number.isFinite(n)) return Math.sqrt(2 * rate_mA_per_s * left_mA_s);
  while (n > 1 && (unit * (n - 1) * n) / 2 >= left_mA_s) n--;
  while ((unit * n * (n + 1)) / 2 < left_mA_s) n++;
  return (left_mA_s / hold_s + (rate_mA_per_s * hold_s * n * (n - 1)) / 2) / n;
}

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
