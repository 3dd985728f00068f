import { InputError } from '../drivers/inputError.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

/**
 * `--dashboard [HOST:]PORT` and `--listen HOST:PORT`: a port from 1 to 65535 and an
 * optional host (an IPv6 address in brackets). No host means 127.0.0.1: binding beyond
 * loopback is always written out.
 */
export function parseListenAddress(flag: string, text: string): ListenAddress {
  const expected = `expected [HOST:]PORT, e.g. 8080, 127.0.0.1:8080 or [::1]:8080 (a host beyond loopback, such as 0.0.0.0, must be given explicitly)`;
  const m = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  if (m === null) throw new InputError(`${flag}: "${text}" is not an address; ${expected}`);
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new InputError(`${flag}: port ${m[2]} is not from 1 to 65535`);
  const rawHost = m[1] ?? '127.0.0.1';
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (host === '') throw new InputError(`${flag}: "${text}" names an empty host; ${expected}`);
  return { host, port };
}
