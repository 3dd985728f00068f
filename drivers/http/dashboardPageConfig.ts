import { z } from 'zod';

/** Where the page's WebSocket to the broker ends, relative to the page: the dashboard server's own `/mqtt`. */
export const SAME_ORIGIN_MQTT_PATH = '/mqtt';

/**
 * What the dashboard server tells its page at `/config.json`: where the broker is and
 * which rig to show. Never a credential: the page asks its user for those and keeps
 * them in memory only.
 */
export const dashboardPageConfig = z.object({
  v: z.literal(1),
  /** `same-origin`: ws(s)://<this page's host>/mqtt (the embedded broker, or a bridge to a TCP broker); else a ws:// or wss:// URL without credentials. */
  broker: z.union([z.literal('same-origin'), z.string().regex(/^wss?:\/\/[^\s@/]+(\/[^\s@]*)?$/)]),
  /** For the page's text: the broker as the server reaches it (password removed). */
  brokerLabel: z.string(),
  topicPrefix: z.string(),
  /** The rig to show first (`run --dashboard`: the session's); null: the first the broker lists. */
  rig: z.string().nullable(),
  /** true: the broker takes no anonymous client (the page asks for a username and password before connecting). */
  loginRequired: z.boolean(),
  /** true: the broker is the session's embedded one (`run --dashboard`): it lives and dies with the session, so a lost broker means the session ended or died (no last will can come). */
  sessionBroker: z.boolean(),
});

export type DashboardPageConfig = z.infer<typeof dashboardPageConfig>;
