import type { VnsDutyCyclePolicyConfig, VnsResponsivePolicyConfig } from '../../config/policySchema.js';
import { type StimParams, stimOff } from '../stimParams.js';
import { ConditionTimer } from './conditionTimer.js';
import { ConfiguredPolicy } from './configuredPolicy.js';
import { requestAt, type PolicyFrame } from './policy.js';
import { FrameInterval, RampedPeriod } from './rampEnvelope.js';

/**
 * VNS in fixed cycles (LivaNova VNS Therapy: e.g. 30 s on, 5 min off, with ramps): from
 * the start-up delay, on-periods of on_s (ramps of ramp_s included) every on_s + off_s.
 * Honest for the governor (limits.vns): an on-period, as the governor counts it, lasts less
 * than on_s and the next starts more than off_s after it ended (config/modalityChecks.ts
 * holds on_s <= maxOn_s and off_s >= minOff_s, and the ramps within the governor's rates).
 */
export class VnsDutyCyclePolicy extends ConfiguredPolicy<VnsDutyCyclePolicyConfig> {
  readonly kind = 'vns-duty-cycle';
  private readonly frames = new FrameInterval();
  private readonly period = new RampedPeriod();
  private cycle = -1;

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const hold_s = this.frames.next(frame.t_s);
    const since_s = frame.t_s - c.startupDelay_ms / 1000;
    if (!(since_s >= 0)) {
      this.current = 'startup';
      return stimOff(c.frequency_Hz, c.pulseWidth_us);
    }
    const period_s = c.on_s + c.off_s;
    const cycle = Math.floor(since_s / period_s);
    if (cycle !== this.cycle) {
      this.cycle = cycle;
      this.period.reset();
    }
    const start_s = c.startupDelay_ms / 1000 + cycle * period_s;
    const f = this.period.fraction(frame.t_s, start_s, c.on_s, c.ramp_s, hold_s);
    const tau_s = frame.t_s - start_s;
    this.current = f === 0 ? 'off' : f === 1 ? 'on' : tau_s < c.on_s / 2 ? 'up' : 'down';
    return f > 0 ? requestAt(c.amplitude_mA * f, c) : stimOff(c.frequency_Hz, c.pulseWidth_us);
  }
}

/**
 * Responsive VNS (as AspireSR, which starts an on-period on a detected heart-rate rise):
 * an on-period of on_s (ramps included) starts on the frame where the biomarker has risen
 * above the threshold (from at or below it on a valid frame) and stayed there onset_ms,
 * if at least off_s have passed since the last on-period ended. A rise during an
 * on-period or within off_s of its end is ignored (the biomarker must fall back to the
 * threshold and rise again). An invalid frame breaks the onset count. Honest for the
 * governor as VnsDutyCyclePolicy is.
 */
export class VnsResponsivePolicy extends ConfiguredPolicy<VnsResponsivePolicyConfig> {
  readonly kind = 'vns-responsive';
  private readonly frames = new FrameInterval();
  private readonly above = new ConditionTimer();
  /** A rise counts only from at or below the threshold. */
  private armed = false;
  /** The on-period under way (its start one frame before the frame that started it), NaN when none. */
  private cycleStart_s = Number.NaN;
  private readonly period = new RampedPeriod();
  private idleFrom_s = Number.NEGATIVE_INFINITY;

  step(frame: PolicyFrame): StimParams {
    const c = this.config;
    const t = frame.t_s;
    const hold_s = this.frames.next(t);
    const off = stimOff(c.frequency_Hz, c.pulseWidth_us);
    // The detector runs from the first frame, so that a rise is a rise after the start-up delay too.
    let rise = false;
    if (frame.valid && Number.isFinite(frame.biomarker)) {
      if (!(frame.biomarker > c.threshold)) {
        this.armed = true;
        this.above.reset();
      } else if (this.armed && this.above.held(true, t, c.onset_ms)) {
        rise = true;
        this.armed = false;
      }
    } else {
      this.above.reset();
    }
    if (t * 1000 < c.startupDelay_ms) {
      this.current = 'startup';
      return off;
    }
    if (Number.isNaN(this.cycleStart_s) && rise && t >= this.idleFrom_s && hold_s > 0) {
      // On from this frame: its start one frame back, so this frame is the first step of the ramp.
      this.cycleStart_s = t - hold_s;
      this.period.reset();
    }
    if (Number.isNaN(this.cycleStart_s)) {
      this.current = t >= this.idleFrom_s ? 'off' : 'refractory';
      return off;
    }
    const tau_s = t - this.cycleStart_s;
    const f = this.period.fraction(t, this.cycleStart_s, c.on_s, c.ramp_s, hold_s);
    if (f === 0 && tau_s > c.on_s / 2) {
      // The ramp down has reached 0: the off-period starts at this frame.
      this.cycleStart_s = Number.NaN;
      this.idleFrom_s = t + c.off_s;
      this.current = 'refractory';
      return off;
    }
    this.current = f === 1 ? 'on' : tau_s < c.on_s / 2 ? 'up' : 'down';
    return f > 0 ? requestAt(c.amplitude_mA * f, c) : off;
  }

  override thresholds(): readonly number[] {
    return [this.config.threshold];
  }
}
