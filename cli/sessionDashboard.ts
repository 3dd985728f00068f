import type { Config } from '../config/schema.js';
import { checkCanListen, startDashboardServer } from '../drivers/http/dashboardServer.js';
import { InputError } from '../drivers/inputError.js';
import { mqttTlsFiles } from '../drivers/mqtt/clientOptions.js';
import { dashboardAssetsDir } from './dashboardAssets.js';
import { checkBridgedBrokerExposure } from './bridgedBrokerExposure.js';
import { pageBrokerFor } from './dashboardBroker.js';
import { isLoopback, type ListenAddress } from './listenAddress.js';
import { reportOnce } from './reportOnce.js';
import type { RunningTelemetry } from './startTelemetry.js';

/** A page's connection the bridge could not carry (TLS refused, broker down): said on stderr, once a minute per reason. */
const bridgeProblem = reportOnce(60_000, (message) => process.stderr.write(`neuroloop: dashboard: ${message}\n`));

/**
 * `run --dashboard`, checked with the other arguments, before anything starts: the page
 * needs telemetry, and it may carry the embedded broker beyond loopback only on the terms
 * of its TCP listener (telemetry.embedded.host): a username and password.
 */
export async function checkSessionDashboard(config: Config, address: ListenAddress, telemetryOn: boolean, url: string | undefined): Promise<void> {
  if (!telemetryOn) throw new InputError('--dashboard: the page shows telemetry, which is off (--no-mqtt or telemetry.enabled: false); drop one or the other');
  const brokerUrl = url ?? config.telemetry.mqtt.url;
  if (brokerUrl === undefined && address.port === config.telemetry.embedded.port) {
    throw new InputError(`--dashboard: port ${address.port} is the session's own embedded broker's (telemetry.embedded.port); the page needs a port of its own, e.g. --dashboard 8080`);
  }
  await checkCanListen('--dashboard', address.host, address.port);
  if (brokerUrl === undefined) {
    const m = config.telemetry.mqtt;
    if (!isLoopback(address.host) && (m.username === undefined || m.passwordEnv === undefined)) {
      throw new InputError(
        `--dashboard ${address.host}:${address.port}: beyond loopback the page carries the embedded broker, which then needs credentials: set telemetry.mqtt.username and telemetry.mqtt.passwordEnv, or serve on 127.0.0.1`,
      );
    }
  } else {
    pageBrokerFor(url === undefined ? 'telemetry.mqtt.url' : '--mqtt', brokerUrl);
    await checkBridgedBrokerExposure('--dashboard', address, brokerUrl, mqttTlsFiles(config.telemetry).ca);
  }
}

/**
 * Serves the dashboard beside a session's telemetry (`run --dashboard`): the page reaches
 * the embedded broker through the server's /mqtt, an outside broker as pageBrokerFor says.
 * The result closes the page's server after telemetry (the last status reaches the page).
 * A server that cannot start closes the telemetry again and throws: the session never starts.
 */
export async function withSessionDashboard(running: RunningTelemetry, address: ListenAddress, config: Config, url: string | undefined): Promise<RunningTelemetry> {
  const t = config.telemetry;
  const embedded = running.broker;
  const brokerUrl = url ?? t.mqtt.url;
  const outside = embedded === null && brokerUrl !== undefined ? pageBrokerFor(url === undefined ? 'telemetry.mqtt.url' : '--mqtt', brokerUrl, mqttTlsFiles(t).ca, bridgeProblem) : null;
  let server;
  try {
    server = await startDashboardServer({
      host: address.host,
      port: address.port,
      flag: '--dashboard',
      assetsDir: dashboardAssetsDir(),
      page: {
        v: 1,
        broker: outside?.broker ?? 'same-origin',
        brokerLabel: outside?.brokerLabel ?? `the session's embedded broker (${embedded?.url ?? ''})`,
        topicPrefix: t.topicPrefix,
        rig: config.rig.id,
        loginRequired: embedded !== null && t.mqtt.username !== undefined,
        sessionBroker: embedded !== null,
      },
      mqttWebSocket: embedded === null ? outside?.mqttWebSocket : (socket) => embedded.acceptWebSocket(socket),
    });
  } catch (error) {
    await running.close();
    throw error;
  }
  process.stderr.write(`neuroloop: dashboard on ${server.url}\n`);
  const dashboard = server;
  return {
    telemetry: running.telemetry,
    broker: running.broker,
    close: async (ending) => {
      await running.close(ending);
      await dashboard.close();
    },
  };
}
