import { z } from 'zod';
import { type PolicyConfig, policySchema } from '../config/policySchema.js';
import { formatIssues } from '../config/problems.js';

/** What the command channel may do, from the config's telemetry.commands. */
export interface CommandRules {
  readonly enabled: boolean;
  readonly maxRate_per_s: number;
  readonly burst: number;
  readonly tunable: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

export const COMMAND_NAMES = ['estop', 'reset', 'policy'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

const id = z.string().min(1).max(128);
export const commandSchemas = {
  estop: z.strictObject({ id, reason: z.string().max(500).optional() }),
  reset: z.strictObject({ id, reason: z.string().max(500).optional() }),
  policy: z.strictObject({ id, params: z.record(z.string(), z.number()) }),
} as const;

export type CommandAction =
  | { readonly type: 'estop'; readonly reason: string }
  | { readonly type: 'reset'; readonly reason: string }
  | { readonly type: 'policy'; readonly next: PolicyConfig; readonly changed: Readonly<Record<string, number>> };

export interface CommandDecision {
  /** The command's id, or null when none could be read. */
  readonly id: string | null;
  readonly command: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly action?: CommandAction;
}

/**
 * Decides on one command (DESIGN.md, Telemetry): validated by zod, rate-limited by a token
 * bucket, a policy change only within the `tunable` ranges and only to parameters that
 * leave the policy valid. Pure but for the time passed in (host milliseconds), so it is
 * tested without a broker. Hard limits are not reachable from here: nothing in a command
 * touches the governor's configuration.
 */
export class CommandProcessor {
  private tokens: number;
  private last_ms = Number.NaN;

  constructor(private readonly rules: CommandRules) {
    this.tokens = rules.burst;
  }

  decide(command: string, payload: string | Uint8Array, now_ms: number, currentPolicy: Readonly<PolicyConfig>): CommandDecision {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const rawId = typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string' ? ((body as { id: string }).id as string) : null;
    const refuse = (error: string): CommandDecision => ({ id: rawId, command, ok: false, error });

    if (!this.rules.enabled) return refuse('commands are disabled (telemetry.commands.enabled is false)');
    if (!this.takeToken(now_ms)) return refuse(`too many commands: at most ${this.rules.maxRate_per_s}/s (burst ${this.rules.burst})`);
    if (!(COMMAND_NAMES as readonly string[]).includes(command)) return refuse(`unknown command "${command}" (expected one of: ${COMMAND_NAMES.join(', ')})`);
    if (body === undefined) return refuse('payload is not JSON');
    const name = command as CommandName;
    const parsed = commandSchemas[name].safeParse(body);
    if (!parsed.success) return refuse(formatIssues(parsed.error.issues).join('; '));

    if (name === 'estop' || name === 'reset') {
      const reason = (parsed.data as { reason?: string }).reason ?? `cmd/${name} ${parsed.data.id}`;
      return { id: parsed.data.id, command, ok: true, action: { type: name, reason } };
    }
    const { params } = parsed.data as { id: string; params: Record<string, number> };
    const keys = Object.keys(params);
    if (keys.length === 0) return refuse('params: nothing to change');
    for (const key of keys) {
      const range = this.rules.tunable[key];
      const value = params[key];
      if (range === undefined) {
        const allowed = Object.keys(this.rules.tunable);
        return refuse(`params.${key}: not tunable (tunable: ${allowed.length > 0 ? allowed.join(', ') : 'none'})`);
      }
      if (!Number.isFinite(value) || value < range.min || value > range.max) return refuse(`params.${key}: ${value} is outside the tunable range [${range.min}, ${range.max}]`);
    }
    const merged = policySchema.safeParse({ ...currentPolicy, ...params });
    if (!merged.success) return refuse(formatIssues(merged.error.issues).map((p) => `policy.${p}`).join('; '));
    return { id: parsed.data.id, command, ok: true, action: { type: 'policy', next: merged.data, changed: params } };
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
