import { InputError } from '../drivers/inputError.js';
import { probeAnonymousAccess } from '../drivers/mqtt/anonymousAccess.js';
import { redactUrl } from '../drivers/mqtt/redactUrl.js';
import { isLoopback, type ListenAddress } from './listenAddress.js';

/**
 * A dashboard served beyond loopback that bridges a TCP broker (mqtt://, mqtts://) hands
 * that broker to anyone who reaches the page's port, whatever the broker's own listeners
 * say: a broker that listens on loopback only and takes anonymous clients (mosquitto's
 * default "local only mode") would be open to the network, commands included. So before
 * anything starts, the broker is asked once without credentials: it must refuse. If it
 * cannot be asked, the page is not served beyond loopback either (nothing known is not
 * safe). On loopback, or for a ws:// broker the browser opens itself, nothing is exposed.
 */
export async function checkBridgedBrokerExposure(flag: string, address: ListenAddress, brokerUrl: string, ca?: Buffer): Promise<void> {
  if (isLoopback(address.host)) return;
  const protocol = new URL(brokerUrl).protocol;
  if (protocol !== 'mqtt:' && protocol !== 'mqtts:') return;
  const where = `${flag} ${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const access = await probeAnonymousAccess(brokerUrl, ca);
  if (access.anonymous === 'accepted') {
    throw new InputError(
      `${where}: the broker ${redactUrl(brokerUrl)} takes clients without a password, and served beyond loopback the page's bridge would let anyone on the network publish to it (commands included); give the broker users and passwords (docs/telemetry.md, a lab) or serve on 127.0.0.1`,
    );
  }
  if (access.anonymous === 'unknown') {
    throw new InputError(`${where}: cannot check that the broker ${redactUrl(brokerUrl)} refuses clients without a password (${access.why}); beyond loopback the page is served only for a broker that does. Start the broker first, or serve on 127.0.0.1`);
  }
}
