import { connectAsync } from 'mqtt';
import { skipPacketNumberCache } from './packetNumberCache.js';

const PROBE_CONNECT_MS = 3000;

/** What a broker does with a client that brings no username or password. */
export type AnonymousAccess =
  | { readonly anonymous: 'accepted' }
  /** Refused with "not authorized" or "bad username or password": the broker wants credentials. */
  | { readonly anonymous: 'refused' }
  /** Not reached (down, TLS failed, no answer): nothing known. */
  | { readonly anonymous: 'unknown'; readonly why: string };

/**
 * Connects once without credentials (own random client id, clean session, no will, no
 * subscription) and disconnects at once. Used before a dashboard bridges a TCP broker
 * beyond loopback: a broker that lets anyone in, typically one that listens on loopback
 * only and trusts local clients, would be opened to the network by the bridge.
 */
export async function probeAnonymousAccess(url: string, ca?: Buffer): Promise<AnonymousAccess> {
  skipPacketNumberCache();
  try {
    const client = await connectAsync(
      url,
      { clientId: `neuroloop-dashboard-probe-${Math.random().toString(16).slice(2, 10)}`, clean: true, reconnectPeriod: 0, connectTimeout: PROBE_CONNECT_MS, rejectUnauthorized: true, ...(ca === undefined ? {} : { ca: [ca] }) },
      false,
    );
    await client.endAsync();
    return { anonymous: 'accepted' };
  } catch (error) {
    // CONNACK return codes 4 (bad user name or password) and 5 (not authorized); MQTT 5's 0x86/0x87 likewise.
    const code = (error as { code?: unknown }).code;
    if (code === 4 || code === 5 || code === 134 || code === 135) return { anonymous: 'refused' };
    return { anonymous: 'unknown', why: error instanceof Error ? error.message : String(error) };
  }
}
