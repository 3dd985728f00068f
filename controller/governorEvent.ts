/** Everything the safety governor does besides passing a request through is an event. */
export type GovernorEventKind =
  | 'estop'
  | 'lockout'
  | 'fault'
  | 'reset'
  | 'watchdog-fallback'
  | 'watchdog-recovered'
  | 'nonfinite-request'
  | 'policy-error'
  | 'clamp'
  | 'charge-limit'
  | 'dose-exhausted'
  /** VNS (limits.vns): an on-period ramped off to end by maxOn_s, or a request to turn on refused within minOff_s. */
  | 'duty-cycle'
  | 'session-end';

export interface GovernorEvent {
  /** Data time of the tick. */
  readonly t_s: number;
  readonly kind: GovernorEventKind;
  /** Human-readable: what was asked, what was allowed, which limit. */
  readonly reason: string;
}

/** The events that count toward the lockout (a request pushing against the limits). */
export const LIMIT_EVENT_KINDS: ReadonlySet<GovernorEventKind> = new Set(['nonfinite-request', 'policy-error', 'clamp', 'charge-limit']);
