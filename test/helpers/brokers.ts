import { systemTool } from './systemTool.js';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freePort } from '../../bench/freePort.js';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../drivers/mqtt/embeddedBroker.js';
import { tempDir } from './cli.js';

/** A free TCP port on loopback (asked of the OS, then released): shared with the bench. */
export { freePort };

export async function waitForPort(port: number, timeout_ms = 10_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * mosquitto started as root drops to its own user: the folder and files it reads (made by
 * mkdtemp with mode 0700) must be readable by others. Test material only.
 */
export function readableByBroker(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
}

/** A broker the tests can stop and start again on the same port. */
export interface TestBroker {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface MosquittoOptions {
  /** Extra lines for mosquitto.conf (listener lines are written here). */
  readonly extraConfig?: (dir: string) => string;
  /** Replaces the default anonymous listener block. */
  readonly listener?: (port: number, dir: string) => string;
  readonly scheme?: string;
}

/** The reference broker, a real mosquitto process with its own config in a temp folder. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestBroker> {
  const dir = tempDir('neuroloop-mosquitto-');
  const port = await freePort();
  const listener = options.listener ? options.listener(port, dir) : `listener ${port} 127.0.0.1\nallow_anonymous true\n`;
  const conf = join(dir, 'mosquitto.conf');
  readableByBroker(dir);
  writeFileSync(conf, `per_listener_settings false\npersistence false\nlog_dest stderr\nlog_type error\n${listener}${options.extraConfig?.(dir) ?? ''}`);
  let child: ChildProcess | null = null;
  const broker: TestBroker = {
    name: 'mosquitto',
    port,
    url: `${options.scheme ?? 'mqtt'}://127.0.0.1:${port}`,
    start: async () => {
      child = spawn(systemTool('mosquitto'), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('exit', (code) => {
        if (code !== 0 && code !== null) process.stderr.write(`mosquitto exited ${code}: ${stderr}\n`);
      });
      await waitForPort(port);
    },
    stop: async () => {
      const c = child;
      child = null;
      if (c === null || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
  await broker.start();
  return broker;
}

/** The embedded broker (aedes), run in the test process on a free port. */
export async function startAedes(): Promise<TestBroker> {
  const port = await freePort();
  let running: EmbeddedBroker | null = null;
  const broker: TestBroker = {
    name: 'aedes',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start: async () => {
      running = await startEmbeddedBroker({ host: '127.0.0.1', port });
    },
    stop: async () => {
      const r = running;
      running = null;
      await r?.close();
    },
  };
  await broker.start();
  return broker;
}

/** A subscriber that keeps every message, for assertions. */
export class Recorder {
  readonly messages: { topic: string; payload: Buffer; retain: boolean; at_ms: number }[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload, retain: packet.retain, at_ms: Date.now() }));
  }

  static async connect(url: string, topics: string | string[], options: IClientOptions = {}): Promise<Recorder> {
    const client = await connectAsync(url, { reconnectPeriod: 200, connectTimeout: 5000, ...options });
    const recorder = new Recorder(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return recorder;
  }

  json<T = Record<string, unknown>>(topicSuffix: string): T[] {
    return this.messages.filter((m) => m.topic.endsWith(topicSuffix)).map((m) => JSON.parse(m.payload.toString('utf8')) as T);
  }

  async waitFor<T = Record<string, unknown>>(topicSuffix: string, predicate: (payload: T) => boolean = () => true, timeout_ms = 15_000): Promise<T> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      const found = this.json<T>(topicSuffix).find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no message on *${topicSuffix} matching within ${timeout_ms} ms (have ${this.messages.length} messages)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Self-signed CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]): void => {
    execFileSync(systemTool('openssl'), args, { cwd: dir, stdio: 'ignore' });
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=neuroloop test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  readableByBroker(dir);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}
