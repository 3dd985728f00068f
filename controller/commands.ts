import { z } from 'zod';
import { type PolicyConfig, policySchema } from '../config/policySchema.js';
import { formatIssues } from '../config/problems.js';
import { type Marker, markerCommandSchema, type StateSwitch, switchPolicyState } from './marker.js';

/** What the command channel may do, from the config's telemetry.commands. */
export interface CommandRules {
  readonly enabled: boolean;
  readonly maxRate_per_s: number;
  readonly burst: number;
  readonly tunable: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

export const COMMAND_NAMES = ['estop', 'reset', 'policy', 'marker'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Largest command payload read. A real command is a few hundred bytes; anything bigger is
 * refused before it is decoded or parsed, so a 100 MB message costs a length check only.
 */
export const MAX_COMMAND_BYTES = 4096;

/** Most characters of anything taken from a refused message (id, name, error) echoed back. */
export const MAX_ECHO_CHARS = 200;

/** Most characters of a command name (the last topic level) or id echoed back. */
export const MAX_NAME_CHARS = 64;

/**
 * How many accepted command ids are remembered to refuse a replay. A Set with this cap,
 * oldest forgotten first: bounded memory over a session of any length.
 */
export const REMEMBERED_IDS = 10_000;

const id = z.string().min(1).max(128);
export const commandSchemas = {
  estop: z.strictObject({ id, reason: z.string().max(500).optional() }),
  reset: z.strictObject({ id, reason: z.string().max(500).optional() }),
  policy: z.strictObject({ id, params: z.record(z.string(), z.number()) }),
  /** A marker (controller/marker.ts, docs/markers.md) with the command's id. */
  marker: markerCommandSchema,
} as const;

export type CommandAction =
  | { readonly type: 'estop'; readonly reason: string }
  | { readonly type: 'reset'; readonly reason: string }
  | { readonly type: 'policy'; readonly next: PolicyConfig; readonly changed: Readonly<Record<string, number>> }
  /** A marker; with a declared state, the policy's parameters for it (already checked). */
  | { readonly type: 'marker'; readonly marker: Marker; readonly state?: StateSwitch & { readonly ok: true } };

export interface CommandDecision {
  /** The command's id (at most MAX_NAME_CHARS), or null when none could be read. */
  readonly id: string | null;
  /** The command name (at most MAX_NAME_CHARS). */
  readonly command: string;
  readonly ok: boolean;
  /** Why it was refused (ok false), at most MAX_ECHO_CHARS. */
  readonly error?: string;
  /** An e-stop taken although its payload was wrong: what was wrong. */
  readonly warning?: string;
  readonly action?: CommandAction;
}

/** How the message arrived, as far as the transport knows. */
export interface CommandDelivery {
  /** A retained message replayed by the broker: old news, never executed. */
  readonly retained?: boolean;
}

/** `text` cut to `max` characters, marked as cut: nothing from outside is echoed whole. */
export function clip(text: string, max = MAX_ECHO_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Decides on one command (docs/design.md, Telemetry). Pure but for the time passed in (host
 * milliseconds), so it is tested without a broker. Hard limits are not reachable from
 * here: nothing in a command touches the governor's configuration.
 *
 * Order matters:
 * - a retained message is refused first, whatever it is (a stale reset must never clear
 *   an e-stop on reconnect, a stale e-stop must not stop the next session);
 * - a non-retained message on cmd/estop always e-stops, even malformed, oversized, with a
 *   used id, or in a flood: the e-stop is never refused while the process runs, and it
 *   neither spends nor waits for a rate-limit token (what was wrong goes in `warning`);
 * - everything else is size-checked before it is decoded, then parsed (JSON + schema),
 *   then checked against the ids already executed, and only then spends a token: junk
 *   cannot use up the budget of real commands.
 */
export class CommandProcessor {
  private tokens: number;
  private last_ms = Number.NaN;
  private readonly executedIds = new Set<string>();

  constructor(private readonly rules: CommandRules) {
    this.tokens = rules.burst;
  }

  decide(commandName: string, payload: string | Uint8Array, now_ms: number, currentPolicy: Readonly<PolicyConfig>, delivery: CommandDelivery = {}): CommandDecision {
    // Command names are a few letters; a topic level can be 64 KiB.
    const command = clip(commandName, MAX_NAME_CHARS);
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    const oversized = size > MAX_COMMAND_BYTES;
    const body = oversized ? undefined : parseJson(payload);
    const rawId = readId(body);
    const refuse = (error: string): CommandDecision => ({ id: rawId, command, ok: false, error: clip(error) });

    if (delivery.retained) return refuse(`cmd/${command} was a retained message (replayed by the broker, not sent now): not executed`);
    // An e-stop is never refused while the process runs (DESIGN, Commands): not even with
    // commands disabled, where the rig listens to cmd/estop alone. Stopping is the safe way.
    if (command === 'estop') return this.estop(body, rawId, oversized ? `payload is ${size} bytes, more than ${MAX_COMMAND_BYTES}` : undefined);
    if (!this.rules.enabled) return refuse('commands are disabled (telemetry.commands.enabled is false)');
    if (!(COMMAND_NAMES as readonly string[]).includes(command)) return refuse(`unknown command "${command}" (expected one of: ${COMMAND_NAMES.join(', ')})`);
    if (oversized) return refuse(`payload is ${size} bytes, more than ${MAX_COMMAND_BYTES}`);
    if (body === undefined) return refuse('payload is not JSON');
    const name = command as Exclude<CommandName, 'estop'>;
    const parsed = commandSchemas[name].safeParse(body);
    if (!parsed.success) return refuse(formatIssues(parsed.error.issues).join('; '));
    if (this.executedIds.has(parsed.data.id)) return refuse(`id "${rawId}" was already executed in this session (a replay is never executed twice)`);
    if (!this.takeToken(now_ms)) return refuse(`too many commands: at most ${this.rules.maxRate_per_s}/s (burst ${this.rules.burst})`);

    if (name === 'marker') {
      // Something to mark, checked by the schema; a declared state must be one of the policy's (never a limit).
      const { id: markerId, ...marker } = parsed.data as { id: string } & Marker;
      let state: (StateSwitch & { ok: true }) | undefined;
      if (marker.state !== undefined) {
        const change = switchPolicyState(currentPolicy, marker.state);
        if (!change.ok) return refuse(`state: ${change.error}`);
        state = change;
      }
      this.remember(markerId);
      return { id: markerId, command, ok: true, action: state === undefined ? { type: 'marker', marker } : { type: 'marker', marker, state } };
    }
    if (name === 'reset') {
      this.remember(parsed.data.id);
      const reason = (parsed.data as { reason?: string }).reason ?? `cmd/reset ${parsed.data.id}`;
      return { id: parsed.data.id, command, ok: true, action: { type: 'reset', reason } };
    }
    const { params } = parsed.data as { id: string; params: Record<string, number> };
    const keys = Object.keys(params);
    if (keys.length === 0) return refuse('params: nothing to change');
    for (const key of keys) {
      // Own keys only: `toString` must not find Object.prototype's function as a "range".
      const range = Object.hasOwn(this.rules.tunable, key) ? this.rules.tunable[key] : undefined;
      const value = params[key];
      if (range === undefined) {
        const allowed = Object.keys(this.rules.tunable);
        return refuse(`params.${clip(key, MAX_NAME_CHARS)}: not tunable (tunable: ${allowed.length > 0 ? allowed.join(', ') : 'none'})`);
      }
      if (!Number.isFinite(value) || value < range.min || value > range.max) return refuse(`params.${key}: ${value} is outside the tunable range [${range.min}, ${range.max}]`);
    }
    const merged = policySchema.safeParse({ ...currentPolicy, ...params });
    if (!merged.success) return refuse(formatIssues(merged.error.issues).map((p) => `policy.${p}`).join('; '));
    this.remember(parsed.data.id);
    return { id: parsed.data.id, command, ok: true, action: { type: 'policy', next: merged.data, changed: params } };
  }

  /** Any live message on cmd/estop stops; the ack tells what was wrong with it, if anything. */
  private estop(body: unknown, rawId: string | null, oversized: string | undefined): CommandDecision {
    let problem = oversized;
    let reason: string | undefined;
    if (problem === undefined && body === undefined) problem = 'payload is not JSON';
    if (problem === undefined) {
      const parsed = commandSchemas.estop.safeParse(body);
      if (!parsed.success) problem = formatIssues(parsed.error.issues).join('; ');
      else {
        reason = parsed.data.reason;
        if (this.executedIds.has(parsed.data.id)) problem = `id "${rawId}" was already used in this session`;
        else this.remember(parsed.data.id);
      }
    }
    const action = { type: 'estop' as const, reason: clip(reason ?? `cmd/estop ${rawId ?? '(no id)'}`) };
    return problem === undefined
      ? { id: rawId, command: 'estop', ok: true, action }
      : { id: rawId, command: 'estop', ok: true, action, warning: clip(`e-stopped anyway: ${problem}`) };
  }

  private remember(commandId: string): void {
    this.executedIds.add(commandId);
    if (this.executedIds.size > REMEMBERED_IDS) {
      // A Set iterates in insertion order: the first is the oldest.
      for (const oldest of this.executedIds) {
        this.executedIds.delete(oldest);
        break;
      }
    }
  }

  private takeToken(now_ms: number): boolean {
    if (!Number.isNaN(this.last_ms)) {
      this.tokens = Math.min(this.rules.burst, this.tokens + ((now_ms - this.last_ms) / 1000) * this.rules.maxRate_per_s);
    }
    this.last_ms = now_ms;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function parseJson(payload: string | Uint8Array): unknown {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The id, if the body has a string one, cut for echoing. */
function readId(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as { id?: unknown }).id;
  return typeof value === 'string' ? clip(value, MAX_NAME_CHARS) : null;
}
