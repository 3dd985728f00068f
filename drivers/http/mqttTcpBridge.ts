import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createWebSocketStream, type WebSocket } from 'ws';

export interface TcpBrokerAddress {
  readonly host: string;
  readonly port: number;
  /** mqtts://: TLS to the broker, checked against `ca` when given, else the system's CAs. */
  readonly tls: boolean;
  readonly ca?: Buffer;
}

/**
 * A page's MQTT-over-WebSocket connection carried to a broker that speaks MQTT over TCP
 * only (Debian's mosquitto has no WebSocket listener): the bytes are MQTT either way, so
 * this pipes them untouched. The broker sees the page's own CONNECT, with the username and
 * password the page's user typed; nothing here reads, keeps or adds a credential. One TCP
 * connection per page, closed with it.
 */
export function mqttTcpBridge(broker: TcpBrokerAddress, onUpstreamError?: (error: Error) => void): (socket: WebSocket) => void {
  return (socket) => {
    const page = createWebSocketStream(socket);
    const upstream: Socket = broker.tls
      ? tlsConnect({ host: broker.host, port: broker.port, servername: broker.host, ca: broker.ca, rejectUnauthorized: true })
      : tcpConnect({ host: broker.host, port: broker.port });
    const end = (): void => {
      page.destroy();
      upstream.destroy();
    };
    page.on('error', end);
    upstream.on('error', (error) => {
      // The page sees only a closed socket: the reason (TLS refused, broker down) is the server's to tell.
      onUpstreamError?.(error);
      end();
    });
    page.on('close', end);
    upstream.on('close', end);
    page.pipe(upstream);
    upstream.pipe(page);
  };
}
