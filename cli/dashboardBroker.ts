import type { WebSocket } from 'ws';
import type { DashboardPageConfig } from '../drivers/http/dashboardPageConfig.js';
import { mqttTcpBridge } from '../drivers/http/mqttTcpBridge.js';
import { InputError } from '../drivers/inputError.js';
import { redactUrl } from '../drivers/mqtt/redactUrl.js';

/** How the page reaches an outside broker: a ws(s):// broker directly, a TCP one through the dashboard server's /mqtt. */
export interface PageBroker {
  readonly broker: DashboardPageConfig['broker'];
  readonly brokerLabel: string;
  readonly mqttWebSocket?: (socket: WebSocket) => void;
}

/**
 * The page's way to an outside broker at `url` (already checked by parseMqttUrl). The
 * browser speaks MQTT over WebSocket only: ws:// and wss:// it opens itself; mqtt:// and
 * mqtts:// (Debian's mosquitto has no WebSocket listener) go through a byte bridge in the
 * dashboard server. Credentials in the URL would end up in the page: refused, the page asks.
 */
export function pageBrokerFor(flag: string, url: string, ca?: Buffer, onBridgeError?: (message: string) => void): PageBroker {
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InputError(`${flag}: "${redactUrl(url)}" holds credentials; the dashboard page asks its user for them (held in the page's memory only), give the URL without them`);
  }
  // A query or fragment is not MQTT's, and would carry whatever is in it (a password) into the page and the log.
  if (parsed.search !== '' || parsed.hash !== '') throw new InputError(`${flag}: give the broker URL without a query or fragment (scheme://host:port[/path]); a password is typed into the page`);
  const label = redactUrl(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return { broker: url, brokerLabel: label };
  const tls = parsed.protocol === 'mqtts:';
  const port = parsed.port === '' ? (tls ? 8883 : 1883) : Number(parsed.port);
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { broker: 'same-origin', brokerLabel: label, mqttWebSocket: mqttTcpBridge({ host, port, tls, ca }, (error) => onBridgeError?.(`the bridge to ${label} failed: ${error.message}`)) };
}
