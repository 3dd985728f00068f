/**
 * One finding of `neuroloop doctor`: ok, warn (worth knowing, not blocking) or fail (the
 * configured hardware cannot be used until it is fixed), with the fix when there is one.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly status: CheckStatus;
  /** Short area name: node, mod, i2c, adc, dac, gpio, hw. */
  readonly name: string;
  readonly detail: string;
  readonly fix?: string;
}

export const ok = (name: string, detail: string): Check => ({ status: 'ok', name, detail });
export const warn = (name: string, detail: string, fix?: string): Check => ({ status: 'warn', name, detail, ...(fix === undefined ? {} : { fix }) });
export const fail = (name: string, detail: string, fix?: string): Check => ({ status: 'fail', name, detail, ...(fix === undefined ? {} : { fix }) });

/** A failure where the thing is required, a warning where it is only nice to have. */
export const failOrWarn = (required: boolean, name: string, detail: string, fix?: string): Check =>
  required ? fail(name, detail, fix) : warn(name, detail, fix);

const LABEL: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'FAIL' };

/** `ok   node 20.20.2`, `FAIL i2c  /dev/i2c-1 missing: enable I2C: ...` */
export function formatCheck(check: Check, nameWidth: number): string {
  return `${LABEL[check.status].padEnd(4)} ${check.name.padEnd(nameWidth)} ${check.detail}${check.fix === undefined ? '' : `: ${check.fix}`}`;
}

export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(4, ...checks.map((c) => c.name.length));
  return checks.map((c) => `${formatCheck(c, width)}\n`).join('');
}
