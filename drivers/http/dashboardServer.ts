import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { InputError } from '../inputError.js';
import { type DashboardPageConfig, SAME_ORIGIN_MQTT_PATH } from './dashboardPageConfig.js';

/** The built page (npm run build: scripts/build-dashboard.mjs), by URL path. */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/uPlot.min.css': { file: 'uPlot.min.css', type: 'text/css; charset=utf-8' },
  '/licenses.txt': { file: 'licenses.txt', type: 'text/plain; charset=utf-8' },
};

/** MQTT's WebSocket subprotocols (MQTT 3.1.1 and 5 say `mqtt`; old clients `mqttv3.1`). */
const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

export interface DashboardServerOptions {
  readonly host: string;
  readonly port: number;
  /** The flag that chose the address, for error messages (`--dashboard`, `--listen`). */
  readonly flag: string;
  /** Folder of the built page. */
  readonly assetsDir: string;
  readonly page: DashboardPageConfig;
  /** MQTT over WebSocket at `/mqtt` (page.broker `same-origin`): the embedded broker, or a bridge to a TCP broker. */
  readonly mqttWebSocket?: (socket: WebSocket) => void;
}

export interface DashboardServer {
  /** The page's address, to print (a wildcard host shown as it was given). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard page (docs/dashboard.md): a few static files, the page's
 * `/config.json`, and optionally the broker's WebSocket at `/mqtt`. Nothing else is
 * reachable. Requests must name this server in `Host` (a loopback server answers only to
 * loopback names: a web page elsewhere cannot reach it by DNS rebinding), and a WebSocket
 * from a browser must come from this page's origin (another site open in the same browser
 * must not be able to send commands through a loopback broker that needs no password).
 * A taken port or an address that cannot be bound is an InputError naming the flag.
 */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const files = new Map<string, Buffer>();
  for (const [path, asset] of Object.entries(ASSETS)) {
    try {
      files.set(path, readFileSync(join(o.assetsDir, asset.file)));
    } catch {
      throw new Error(`the dashboard page is not built (${join(o.assetsDir, asset.file)} is missing): run npm run build`);
    }
  }
  const pageConfig = Buffer.from(JSON.stringify(o.page));
  const connectSources = o.page.broker === 'same-origin' ? "'self'" : `'self' ${new URL(o.page.broker).origin}`;
  const securityHeaders = {
    // worker-src blob: mqtt.js keeps its keepalive timers in a worker, which background tabs do not throttle.
    'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connectSources}; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  const hostAllowed = (req: IncomingMessage): boolean => allowedHost(req.headers.host, o.host, o.port);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req)) return answer(res, 421, 'text/plain; charset=utf-8', Buffer.from('this dashboard answers only to its own address\n'), securityHeaders);
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'text/plain; charset=utf-8', Buffer.from('GET only\n'), { ...securityHeaders, Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/config.json') return answer(res, 200, 'application/json', pageConfig, securityHeaders, req.method === 'HEAD');
    const asset = ASSETS[path];
    const body = files.get(path);
    if (asset === undefined || body === undefined) return answer(res, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'), securityHeaders);
    answer(res, 200, asset.type, body, securityHeaders, req.method === 'HEAD');
  });

  const sockets = new WebSocketServer({
    noServer: true,
    // An MQTT packet from a page is small (a command is at most 4 KiB); a big one is junk.
    maxPayload: 256 * 1024,
    handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const origin = req.headers.origin;
    const sameOrigin = origin === undefined || origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
    if (o.mqttWebSocket === undefined || path !== SAME_ORIGIN_MQTT_PATH || !hostAllowed(req) || !sameOrigin) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = o.mqttWebSocket;
    sockets.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(o.flag, o.host, o.port, error)));
    server.listen(o.port, o.host, () => resolve());
  });
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${o.port}/`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: ServerResponse, status: number, type: string, body: Buffer, headers: Readonly<Record<string, string>>, headOnly = false): void {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': body.byteLength });
  res.end(headOnly ? undefined : body);
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);
const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::']);

/**
 * Whether a request's Host header names this server: on loopback only loopback names
 * (DNS rebinding), on a named address that address or a loopback name, on a wildcard
 * any name with our port (the operator chose to be reachable by every address).
 */
export function allowedHost(header: string | undefined, host: string, port: number): boolean {
  if (header === undefined) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header);
  if (m === null) return false;
  if (m[2] !== undefined && Number(m[2]) !== port) return false;
  const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1].toLowerCase();
  if (WILDCARDS.has(host)) return true;
  if (LOOPBACK_NAMES.has(name)) return true;
  return name === host.toLowerCase();
}

/** Why a dashboard cannot listen at host:port, as an InputError naming the flag. */
export function listenError(flag: string, host: string, port: number, error: NodeJS.ErrnoException): InputError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (error.code === 'EADDRINUSE') return new InputError(`${flag}: ${where} is taken (another dashboard or server?); choose a free port`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new InputError(`${flag}: cannot listen on ${where}: no such address on this machine`);
  if (error.code === 'EACCES') return new InputError(`${flag}: cannot listen on ${where}: permission denied (ports below 1024 need privileges; choose e.g. 8080)`);
  return new InputError(`${flag}: cannot listen on ${where}: ${error.message}`);
}

/**
 * Binds host:port and lets it go at once: a taken address is found before a session
 * starts its broker and its sources (`run --dashboard`), not after. Another program may
 * still take the port in between; the real bind then says so.
 */
export async function checkCanListen(flag: string, host: string, port: number): Promise<void> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => reject(listenError(flag, host, port, error)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
