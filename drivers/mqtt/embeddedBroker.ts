import { createServer, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';
import { InputError } from '../inputError.js';
import { deliverEveryMessage } from './deliverEveryMessage.js';
import { skipPacketNumberCache } from './packetNumberCache.js';

/** How long closing waits for subscribers' sockets to take the last messages. */
const FLUSH_MS = 1000;

export interface EmbeddedBrokerOptions {
  readonly host: string;
  readonly port: number;
  /** Required when listening beyond loopback (the config enforces it). */
  readonly username?: string;
  readonly password?: string;
}

export interface EmbeddedBroker {
  readonly url: string;
  /** The broker itself, for brokerLink (telemetry of this process, without a client). */
  readonly aedes: Aedes;
  readonly host: string;
  readonly port: number;
  /**
   * Serves one MQTT-over-WebSocket connection (a dashboard page): the broker's WebSocket
   * listener, mounted on whichever HTTP server accepted the upgrade (drivers/http). The same
   * users as on TCP: whoever mounts it must follow the TCP listener's rule (loopback, or
   * a username and password).
   */
  acceptWebSocket(socket: WebSocket): void;
  close(): Promise<void>;
}

/**
 * The zero-set-up broker: aedes (MQTT 3.1.1) on a TCP port, loopback by default. With a
 * username it accepts only that user and password. A taken port is an InputError that says
 * how to choose another.
 */
export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  skipPacketNumberCache();
  const broker = await Aedes.createBroker();
  if (o.username !== undefined) {
    const expectedUser = o.username;
    const expectedPassword = Buffer.from(o.password ?? '');
    broker.authenticate = (_client, username, password, done) => {
      const ok = username === expectedUser && password !== undefined && Buffer.compare(Buffer.from(password), expectedPassword) === 0;
      done(null, ok);
    };
  }
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      broker.close();
      if (error.code === 'EADDRINUSE') {
        reject(
          new InputError(
            `the embedded MQTT broker cannot listen on ${o.host}:${o.port}: the port is taken (another broker?). ` +
              `Choose another with --set telemetry.embedded.port=1884, point at a running broker with --mqtt mqtt://HOST:PORT, or turn telemetry off with --no-mqtt`,
          ),
        );
      } else {
        reject(new InputError(`the embedded MQTT broker cannot listen on ${o.host}:${o.port}: ${error.message}`));
      }
    });
    server.listen(o.port, o.host, () => resolve());
  });
  // Connected clients, to let their last messages out before closing (see close).
  const clients = new Set<Client>();
  broker.on('client', (client) => {
    clients.add(client);
    deliverEveryMessage(client);
  });
  broker.on('clientDisconnect', (client) => clients.delete(client));
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `mqtt://${host}:${o.port}`,
    aedes: broker,
    host: o.host,
    port: o.port,
    acceptWebSocket: (socket) => {
      const stream = createWebSocketStream(socket);
      // A page that goes away mid-write is an ordinary end, not a crash of the session.
      stream.on('error', () => stream.destroy());
      broker.handle(stream);
    },
    close: async () => {
      // The session's last messages (the final stim, status offline) are still on their way:
      // aedes hands them to the subscribers' sockets asynchronously, and closing destroys the
      // sockets with whatever they hold. So first wait until no subscriber has anything left
      // to write, at most FLUSH_MS (a subscriber that reads nothing must not hold up the exit).
      const deadline = performance.now() + FLUSH_MS;
      do {
        await new Promise((resolve) => setTimeout(resolve, 10));
      } while (performance.now() < deadline && [...clients].some((client) => !client.conn.destroyed && client.conn.writableLength > 0));
      await new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      });
    },
  };
}
