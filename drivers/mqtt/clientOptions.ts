import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { TelemetryConfig } from '../../config/telemetrySchema.js';
import { InputError } from '../inputError.js';

/**
 * Largest packet the broker may send us (MQTT 5 only; 3.1.1 has no way to say it). We
 * subscribe to commands and, at start, to our own status: a few KiB at most. The broker
 * drops anything bigger before it reaches us, so a 100 MB "command" is not even read.
 */
export const MAX_INCOMING_PACKET_BYTES = 64 * 1024;

export const FIRST_RECONNECT_MS = 500;

/** The broker password, from the environment variable `telemetry.mqtt.passwordEnv` names (never from the file). */
export function mqttPassword(config: TelemetryConfig): string | undefined {
  const name = config.mqtt.passwordEnv;
  if (name === undefined) return undefined;
  const password = process.env[name];
  if (password === undefined) throw new InputError(`telemetry.mqtt.passwordEnv: the environment variable ${name} is not set`);
  return password;
}

/** The TLS files the config names (`telemetry.mqtt.ca`, `cert`, `key`), read; an unreadable one is an InputError naming its key. */
export function mqttTlsFiles(config: TelemetryConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const m = config.mqtt;
  const readPem = (what: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new InputError(`telemetry.mqtt.${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  return { ca: readPem('ca', m.ca), cert: readPem('cert', m.cert), key: readPem('key', m.key) };
}

/**
 * The connection options shared by the telemetry client and the start-up probe: identity,
 * credentials (password from the environment variable the config names), TLS files. A
 * missing variable or an unreadable PEM is an InputError naming the config key.
 */
export function mqttClientOptions(config: TelemetryConfig, clientId: string): IClientOptions {
  const m = config.mqtt;
  return {
    clientId,
    username: m.username,
    password: mqttPassword(config),
    protocolVersion: m.protocolVersion,
    keepalive: m.keepalive_s,
    clean: true,
    reconnectPeriod: FIRST_RECONNECT_MS,
    connectTimeout: 5000,
    // Our own bounded queue holds what waits; MQTT.js must not queue anything offline.
    queueQoSZero: false,
    resubscribe: true,
    ...mqttTlsFiles(config),
    rejectUnauthorized: true,
    ...(m.protocolVersion === 5 ? { properties: { maximumPacketSize: MAX_INCOMING_PACKET_BYTES } } : {}),
  };
}
