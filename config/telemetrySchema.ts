import { z } from 'zod';

/**
 * telemetry: MQTT (docs/design.md, Telemetry). With no `mqtt.url`, an embedded broker (aedes)
 * serves 127.0.0.1; `enabled: false` (or `neuroloop run --no-mqtt`) turns it all off.
 */
const range = z
  .strictObject({ min: z.number().finite(), max: z.number().finite() })
  .superRefine((r, ctx) => {
    if (!(r.max >= r.min)) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be >= min (${r.min})` });
  });

export const mqttConnectionSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/[^\s/]+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL with a host')
      .optional()
      .describe('The broker. Absent: the embedded broker on 127.0.0.1.'),
    clientId: z.string().min(1).max(128).optional().describe('Default: neuroloop-<rig id>.'),
    username: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable')
      .optional()
      .describe('Environment variable holding the password (never the password itself).'),
    ca: z.string().min(1).optional().describe('PEM file of the CA that signed the broker certificate (mqtts://, wss://).'),
    cert: z.string().min(1).optional().describe('PEM client certificate, for brokers that require one.'),
    key: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4).describe('4 = MQTT 3.1.1, 5 = MQTT 5.'),
    keepalive_s: z.number().int().min(1).max(3600).default(10),
  })
  .superRefine((m, ctx) => {
    if ((m.cert === undefined) !== (m.key === undefined)) ctx.addIssue({ code: 'custom', path: [m.cert ? 'key' : 'cert'], message: 'cert and key go together' });
  });

export const embeddedBrokerSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Listen address. Anything but loopback needs username and passwordEnv.'),
    port: z.number().int().min(1).max(65535).default(1883),
  })
  .describe('The zero-set-up broker, used when mqtt.url is absent.');

export const commandsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    maxRate_per_s: z.number().finite().positive().default(5).describe('Sustained command rate; faster ones are refused.'),
    burst: z.number().int().positive().default(10).describe('Commands allowed at once before the rate applies.'),
    tunable: z
      .record(z.string(), range)
      .default({})
      .describe('Policy parameters that cmd/policy may change, each with its allowed range.'),
  })
  .describe('Commands under cmd/ (estop, reset, policy); off unless enabled.');

export const telemetrySchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    mqtt: mqttConnectionSchema.default(() => mqttConnectionSchema.parse({})),
    embedded: embeddedBrokerSchema.default(() => embeddedBrokerSchema.parse({})),
    topicPrefix: z.string().regex(/^[^#+\s]+$/, 'must not contain #, + or spaces').default('neuroloop'),
    featuresRate_Hz: z.number().finite().positive().max(1000).default(10),
    stimHeartbeat_s: z.number().finite().positive().default(1).describe('stim is published on every change and at least this often.'),
    raw: z
      .strictObject({
        enabled: z.boolean().default(false),
        decimation: z.number().int().min(1).max(1000).default(1).describe('Publish every Nth sample.'),
      })
      .default({ enabled: false, decimation: 1 }),
    queue_messages: z.number().int().min(1).max(1_000_000).default(1000).describe('Messages held while the broker is away; the oldest go first.'),
    queue_bytes: z
      .number()
      .int()
      .min(16 * 1024)
      .max(1024 * 1024 * 1024)
      .default(4 * 1024 * 1024)
      .describe('Bytes held while the broker is away (and handed to the MQTT client unacknowledged); the oldest go first. Whichever of queue_messages and queue_bytes is reached first applies.'),
    commands: commandsSchema.default(() => commandsSchema.parse({})),
  })
  .superRefine((t, ctx) => {
    const host = t.embedded.host;
    const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
    if (t.mqtt.url === undefined && !loopback && (t.mqtt.username === undefined || t.mqtt.passwordEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['embedded', 'host'],
        message: `listening on ${host} (beyond loopback) needs credentials: set telemetry.mqtt.username and telemetry.mqtt.passwordEnv`,
      });
    }
  });

export type TelemetryConfig = z.output<typeof telemetrySchema>;
