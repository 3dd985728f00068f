import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDashboardServer } from '../drivers/http/dashboardServer.js';
import { InputError } from '../drivers/inputError.js';
import { parseMqttUrl } from './args.js';
import { dashboardAssetsDir } from './dashboardAssets.js';
import { pageBrokerFor } from './dashboardBroker.js';
import { checkBridgedBrokerExposure } from './bridgedBrokerExposure.js';
import { parseListenAddress } from './listenAddress.js';
import { reportOnce } from './reportOnce.js';

/** A page's connection the bridge could not carry (TLS refused, broker down): said on stderr, once a minute per reason. */
const bridgeProblem = reportOnce(60_000, (message) => process.stderr.write(`neuroloop: dashboard: ${message}\n`));

const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';
const DEFAULT_LISTEN = '127.0.0.1:8080';

/**
 * `neuroloop dashboard`: the page for every rig on a broker (docs/dashboard.md), served
 * until Ctrl+C/SIGTERM. It holds no session and sends nothing itself: commands go from
 * the page's user, through the broker, to each rig's own command channel.
 */
export async function dashboardCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mqtt: { type: 'string' },
      listen: { type: 'string' },
      prefix: { type: 'string' },
      rig: { type: 'string' },
      ca: { type: 'string' },
      login: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new InputError(`dashboard: unexpected argument "${positionals[0]}" (neuroloop dashboard --help)`);
  const url = parseMqttUrl('--mqtt', values.mqtt ?? DEFAULT_BROKER);
  const address = parseListenAddress('--listen', values.listen ?? DEFAULT_LISTEN);
  const prefix = values.prefix ?? 'neuroloop';
  if (!/^[^#+\s]+$/.test(prefix)) throw new InputError(`--prefix: "${prefix}" must not contain #, + or spaces`);
  if (values.rig !== undefined && !/^[^#+/\s]+$/.test(values.rig)) throw new InputError(`--rig: "${values.rig}" must not contain #, +, / or spaces`);
  let ca: Buffer | undefined;
  if (values.ca !== undefined) {
    // The server checks the broker's certificate only on the bridge to an mqtts:// broker; a wss:// one the browser checks with its own CAs.
    if (new URL(url).protocol !== 'mqtts:') throw new InputError(`--ca: only for an mqtts:// broker (the bridge checks its certificate); --mqtt is ${new URL(url).protocol}//`);
    try {
      ca = readFileSync(values.ca);
    } catch (error) {
      throw new InputError(`--ca: cannot read ${values.ca} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new InputError(`--ca: ${values.ca} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  const broker = pageBrokerFor('--mqtt', url, ca, (message) => bridgeProblem(message));
  await checkBridgedBrokerExposure('--listen', address, url, ca);
  const server = await startDashboardServer({
    host: address.host,
    port: address.port,
    flag: '--listen',
    assetsDir: dashboardAssetsDir(),
    page: { v: 1, broker: broker.broker, brokerLabel: broker.brokerLabel, topicPrefix: prefix, rig: values.rig ?? null, loginRequired: values.login === true, sessionBroker: false },
    mqttWebSocket: broker.mqttWebSocket,
  });
  process.stderr.write(`neuroloop: dashboard for ${broker.brokerLabel} on ${server.url} (Ctrl+C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
