import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { type ClosedLoopSession, commandRefusedOutside } from '../controller/session.js';
import type { StimParams } from '../controller/stimParams.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../drivers/mqtt/embeddedBroker.js';
import { InputError } from '../drivers/inputError.js';
import { mqttPassword, mqttTlsFiles } from '../drivers/mqtt/clientOptions.js';
import { brokerLink } from '../drivers/mqtt/brokerLink.js';
import { MqttTelemetry } from '../drivers/mqtt/mqttTelemetry.js';
import { redactUrl, scrubSecrets, urlPassword } from '../drivers/mqtt/redactUrl.js';
import type { TelemetryLinkFactory } from '../drivers/mqtt/telemetryLink.js';
import type { FinalState } from '../drivers/mqtt/telemetryPayloads.js';
import { packageVersion } from './version.js';

/**
 * How a run ended, as runCommand's `finish` knows it: the data ran out (or --duration was
 * reached), a signal's ramp to off completed, a second signal cut the output, or an error.
 */
export type RunEnd = 'end of data' | 'stopped' | 'cut' | 'error';

export interface TelemetryEnding {
  /** What the governor applies after the session's shutdown. */
  readonly applied: StimParams;
  readonly how: RunEnd;
  /** The governor's latch at the end (estop, lockout, ...), if any. */
  readonly latched: string | null;
}

export interface RunningTelemetry {
  readonly telemetry: MqttTelemetry;
  readonly broker: EmbeddedBroker | null;
  /** Ends telemetry: with `ending`, the retained stim and status show how the session ended. */
  close(ending?: TelemetryEnding): Promise<void>;
}

export interface TelemetryStartOptions {
  /** Start even if the broker says another session holds the rig (run --take-over). */
  readonly takeOver?: boolean;
}

/** The `final` of the last status, from how finish ended the session. A latch at the end says estop or fault. */
export function finalState(ending: TelemetryEnding): FinalState {
  // A second Ctrl+C e-stops (and latches) by design: it is a cut, not an operator's e-stop.
  if (ending.how === 'error' || ending.how === 'cut') return ending.how;
  if (ending.latched === 'estop') return 'estop';
  if (ending.latched !== null) return 'fault';
  return ending.how;
}

/**
 * Connects telemetry for a session: to `urlOverride` (--mqtt), else the configured url,
 * else an embedded broker it starts on loopback, announcing on stderr how to watch it.
 * On an outside broker it first makes sure no other session holds the rig (see
 * probeRig); refusing is exit 2 unless `takeOver`. Commands received go to the session
 * (which decides on them); one that arrives before the session exists is refused with an
 * ack and an event. URLs are printed with the password hidden.
 */
export async function startTelemetry(
  config: Config,
  urlOverride: string | undefined,
  getSession: () => ClosedLoopSession | null,
  logger: Logger,
  options: TelemetryStartOptions = {},
): Promise<RunningTelemetry> {
  const t = config.telemetry;
  let broker: EmbeddedBroker | null = null;
  let url = urlOverride ?? t.mqtt.url;
  const password = mqttPassword(t);
  const secrets = [password, url === undefined ? undefined : urlPassword(url)];
  const clean = (text: string): string => scrubSecrets(text, secrets);
  const session = randomUUID();
  const rig = config.rig.id;
  let link: TelemetryLinkFactory;
  if (url === undefined) {
    // The TLS files are the outside broker's, unused here; a file that cannot be read is still a bad config, refused before anything starts.
    mqttTlsFiles(t);
    broker = await startEmbeddedBroker({ host: t.embedded.host, port: t.embedded.port, username: t.mqtt.username, password });
    url = broker.url;
    // Our own telemetry goes straight into the broker; MQTT.js is never loaded (memory on a Pi).
    link = brokerLink(broker.aedes);
    const watch = `mosquitto_sub -h ${t.embedded.host} -p ${t.embedded.port} -t '${t.topicPrefix}/#' -v`;
    process.stderr.write(`neuroloop: telemetry on the embedded MQTT broker ${broker.url}; watch it with:\n  ${watch}\n`);
  } else {
    // Our own embedded broker starts empty: only an outside broker can hold another session of this rig.
    const shown = redactUrl(url);
    // Loaded only for an outside broker: the embedded case runs without an MQTT client library.
    const [{ probeRig }, { mqttClientLink }] = await Promise.all([import('../drivers/mqtt/runningRig.js'), import('../drivers/mqtt/mqttClientLink.js')]);
    link = mqttClientLink(url, t);
    const probe = await probeRig(t, url, rig, session);
    if (probe.found === 'running') {
      const other = probe.status;
      const what = other.state === 'online' ? 'online' : `running (state ${other.state})`;
      if (!options.takeOver) {
        throw new InputError(
          `rig "${rig}" is already ${what} on ${shown} (session ${other.session.slice(0, 8)}..., started ${other.startedAt}); stop it, choose another rig.id, or pass --take-over`,
        );
      }
      logger.warn({ url: shown, otherSession: other.session, otherState: other.state }, `taking over rig "${rig}" from another session (--take-over)`);
    } else if (probe.found === 'unknown') {
      logger.warn({ url: shown, detail: clean(probe.why) }, 'could not check whether the rig is already in use (broker unreachable); starting anyway');
    }
  }
  const shownUrl = redactUrl(url);
  let telemetry: MqttTelemetry;
  try {
    telemetry = new MqttTelemetry({
      config: t,
      link,
      rig,
      session,
      version: packageVersion(),
      configHash: createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16),
      startedAt: new Date().toISOString(),
      onCommand: (name, payload, delivery) => {
        const current = getSession();
        if (current !== null) return current.command(name, payload, performance.now(), delivery);
        // Commands are live as soon as we are connected, the session a moment later.
        const refused = commandRefusedOutside(name, 'session not started: nothing was done');
        logger.warn({ event: refused.event }, 'command');
        telemetry.event(refused.event);
        return refused.ack;
      },
      onConnection: (what, detail) => {
        if (what === 'connected') logger.info({ url: shownUrl }, 'telemetry connected');
        else logger.warn({ url: shownUrl, detail: detail === undefined ? undefined : clean(detail) }, `telemetry ${what}`);
      },
    });
  } catch (error) {
    // A bad certificate path and the like: the broker we started must not keep the process alive.
    await broker?.close();
    throw error;
  }
  logger.info({ url: shownUrl, embedded: broker !== null }, 'telemetry started');
  return {
    telemetry,
    broker,
    close: async (ending) => {
      if (ending === undefined) await telemetry.close();
      else await telemetry.sessionEnded({ finalStim: ending.applied, final: finalState(ending) });
      await broker?.close();
    },
  };
}
