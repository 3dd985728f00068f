import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ClosedLoopSession } from '../controller/session.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../drivers/mqtt/embeddedBroker.js';
import { InputError } from '../drivers/inputError.js';
import { MqttTelemetry } from '../drivers/mqtt/mqttTelemetry.js';
import { packageVersion } from './version.js';

export interface RunningTelemetry {
  readonly telemetry: MqttTelemetry;
  readonly broker: EmbeddedBroker | null;
  close(): Promise<void>;
}

/**
 * Connects telemetry for a session: to `urlOverride` (--mqtt), else the configured url,
 * else an embedded broker it starts on loopback, announcing on stderr how to watch it.
 * Commands received go to the session (which validates them).
 */
export async function startTelemetry(config: Config, urlOverride: string | undefined, getSession: () => ClosedLoopSession, logger: Logger): Promise<RunningTelemetry> {
  const t = config.telemetry;
  let broker: EmbeddedBroker | null = null;
  let url = urlOverride ?? t.mqtt.url;
  const password = t.mqtt.passwordEnv !== undefined ? process.env[t.mqtt.passwordEnv] : undefined;
  if (t.mqtt.passwordEnv !== undefined && password === undefined) {
    throw new InputError(`telemetry.mqtt.passwordEnv: the environment variable ${t.mqtt.passwordEnv} is not set`);
  }
  if (url === undefined) {
    broker = await startEmbeddedBroker({ host: t.embedded.host, port: t.embedded.port, username: t.mqtt.username, password });
    url = broker.url;
    const watch = `mosquitto_sub -h ${t.embedded.host} -p ${t.embedded.port} -t '${t.topicPrefix}/#' -v`;
    process.stderr.write(`neuroloop: telemetry on the embedded MQTT broker ${broker.url}; watch it with:\n  ${watch}\n`);
  }
  let telemetry: MqttTelemetry;
  try {
    telemetry = new MqttTelemetry({
    config: t,
    url,
    rig: config.rig.id,
    session: randomUUID(),
    version: packageVersion(),
    configHash: createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16),
    startedAt: new Date().toISOString(),
    onCommand: (name, payload) => getSession().command(name, payload, performance.now()),
    onConnection: (what, detail) => {
      if (what === 'connected') logger.info({ url }, 'telemetry connected');
      else logger.warn({ url, detail }, `telemetry ${what}`);
    },
    });
  } catch (error) {
    // A bad certificate path and the like: the broker we started must not keep the process alive.
    await broker?.close();
    throw error;
  }
  logger.info({ url, embedded: broker !== null }, 'telemetry started');
  return {
    telemetry,
    broker,
    close: async () => {
      await telemetry.close();
      await broker?.close();
    },
  };
}
