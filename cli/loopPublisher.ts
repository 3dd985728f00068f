import type { Config } from '../config/schema.js';
import type { LoopState, MqttTelemetry } from '../drivers/mqtt/mqttTelemetry.js';
import type { BuiltSession } from './buildSession.js';
import { type SessionDoseBudget, sessionDoseBudget } from './sessionDoseBudget.js';

/** The retained `loop` is refreshed at least this often (data time), so a dashboard's dose and counts stay current. */
const HEARTBEAT_S = 1;

/**
 * Feeds the telemetry's `loop` topic (docs/telemetry.md) from a running session: what a
 * dashboard draws beside the data (thresholds, the governor's state, dose against budget,
 * what commands may tune). Called on every step, it builds a payload only when something a
 * dashboard shows has changed or a heartbeat is due: steps come tens of times a second on
 * a Pi, and the payload is a few hundred bytes of JSON.
 */
export class LoopPublisher {
  private lastKey = '';
  private last_s = Number.NEGATIVE_INFINITY;
  private readonly budget: SessionDoseBudget;

  constructor(
    private readonly telemetry: MqttTelemetry,
    private readonly built: BuiltSession,
    private readonly config: Config,
  ) {
    this.budget = sessionDoseBudget(config.limits);
  }

  step(t_s: number): void {
    const key = this.changeKey();
    if (key === this.lastKey && t_s - this.last_s < HEARTBEAT_S - 1e-9) return;
    this.lastKey = key;
    this.last_s = t_s;
    this.telemetry.loop(this.state(t_s));
  }

  /** What must reach a dashboard at once when it changes; counts and doses wait for the heartbeat. */
  private changeKey(): string {
    const { policy, governor, session } = this.built;
    return `${policy.state()}|${policy.thresholds().join(',')}|${governor.latched}|${governor.fallbackActive}|${session.stopping}|${JSON.stringify(policy.parameters())}`;
  }

  private state(t_s: number): LoopState {
    const { policy, governor, session } = this.built;
    const latched = governor.latched;
    const dose = governor.dose;
    const rules = this.config.telemetry.commands;
    const parameters = policy.parameters() as Readonly<Record<string, unknown>>;
    const tunable: LoopState['commands']['tunable'] = {};
    for (const [name, range] of Object.entries(rules.tunable)) {
      const value = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
      tunable[name] = { min: range.min, max: range.max, value: typeof value === 'number' && Number.isFinite(value) ? value : null };
    }
    const states = Object.keys((parameters.states as Readonly<Record<string, unknown>> | undefined) ?? {});
    const pulses = this.config.pulses === undefined ? null : session.summary().pulses;
    return {
      t_s,
      modality: this.config.pulses === undefined ? 'amplitude' : 'pulse',
      policy: { kind: policy.kind, state: policy.state(), thresholds: [...policy.thresholds()] },
      governor: {
        state: latched !== null ? 'latched' : governor.fallbackActive ? 'fallback' : session.stopping ? 'stopping' : 'ok',
        latched,
        limitEvents: governor.limitEvents,
      },
      dose: { onTime_s: dose.onTime_s, charge_mC: dose.charge_mC, pulses: dose.pulses, budget: this.budget },
      pulses: pulses === null ? null : { fired: pulses.fired, refused: pulses.refused },
      amplitudeMax_mA: this.config.limits.amplitude_mA.max,
      commands: { enabled: rules.enabled, tunable, states },
    };
  }
}
