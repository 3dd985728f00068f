import type { Client } from 'aedes';

/**
 * Stands in for an aedes client's `duplicates` record: every read says "nothing delivered
 * yet", every write and delete is ignored.
 */
const NOTHING_DELIVERED: Record<string, number> = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => 0,
  set: () => true,
  deleteProperty: () => true,
});

/**
 * Turns off aedes' per-client de-duplication, which loses messages.
 *
 * aedes keeps, per client, the highest broker counter it has delivered and drops any message
 * with a lower one as a duplicate (meant for overlapping subscriptions). But a QoS 1 message
 * goes through the persistence asynchronously, so a QoS 0 message published just after it
 * can reach the client first, and then the QoS 1 message counts as a duplicate and is never
 * sent. For a dashboard subscribed to `features` (QoS 0, every frame) and `events` (QoS 1),
 * an event published in the same tick as a frame was lost: the `calibration` event of
 * `npm start` never reached the page. (aedes issue #994, "qos2 message lost when followed
 * by a qos0 message", open; seen here with aedes 1.2.0.)
 *
 * The price: a client whose subscriptions overlap (say `neuroloop/#` and
 * `neuroloop/+/events`) gets such a message once per matching subscription, which QoS 0
 * and 1 allow; no neuroloop client subscribes that way.
 */
export function deliverEveryMessage(client: Client): void {
  (client as unknown as { duplicates: Record<string, number> }).duplicates = NOTHING_DELIVERED;
}
