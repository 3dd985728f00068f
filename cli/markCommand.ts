import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatIssues, formatPath } from '../config/problems.js';
import { describeMarker, type Marker, markerSchema } from '../controller/marker.js';
import { InputError } from '../drivers/inputError.js';
import { redactUrl } from '../drivers/mqtt/redactUrl.js';
import { type AckPayload, ackPayload, topics } from '../drivers/mqtt/telemetryPayloads.js';
import { parseMqttUrl, parsePositive } from './args.js';
import { MARK_HELP } from './helpTexts.js';

/** The flag behind each marker field, for messages: the user typed flags. */
const FLAG_OF: Readonly<Record<string, string>> = {
  text: 'TEXT',
  medication: '--drug/--dose/--unit/--route',
  'medication.drug': '--drug',
  'medication.dose': '--dose',
  'medication.unit': '--unit',
  'medication.route': '--route',
  state: '--state',
};

const DEFAULT_TIMEOUT_S = 5;
const MAX_TIMEOUT_S = 600;

/**
 * `neuroloop mark` (docs/markers.md): one marker to a running rig over MQTT, then its
 * answer. Exit 0 accepted, 2 refused (by the rig, or bad arguments), 1 no answer within
 * the timeout or no broker. The marker is checked with the rig's own schema before
 * anything connects, so a bad one never leaves this machine.
 */
export async function markCommand(argv: string[]): Promise<number> {
  // A flag given twice would silently keep the last (another drug than the one read first): refused.
  const seen = new Set<string>();
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const flag = arg.split('=')[0];
    if (seen.has(flag)) throw new InputError(`mark: ${flag} is given twice; give each flag once`);
    seen.add(flag);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      mqtt: { type: 'string' },
      rig: { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      ca: { type: 'string' },
      prefix: { type: 'string' },
      drug: { type: 'string' },
      dose: { type: 'string' },
      unit: { type: 'string' },
      route: { type: 'string' },
      state: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(MARK_HELP);
    return 0;
  }
  if (values.mqtt === undefined) throw new InputError('mark: --mqtt URL is required (the broker the rig publishes to; neuroloop mark --help)');
  const url = parseMqttUrl('--mqtt', values.mqtt);
  if (values.rig === undefined) throw new InputError('mark: --rig ID is required (the rig.id of the running session)');
  const rig = values.rig;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(rig)) throw new InputError(`--rig: expected 1 to 64 letters, digits, "-" or "_" (a rig.id), got ${JSON.stringify(rig.slice(0, 80))}`);
  const prefix = values.prefix ?? 'neuroloop';
  if (!/^[^#+\s]+$/.test(prefix)) throw new InputError(`--prefix: must not contain #, + or spaces, got ${JSON.stringify(prefix.slice(0, 80))}`);
  const timeout_s = parsePositive('--timeout', values.timeout, MAX_TIMEOUT_S) ?? DEFAULT_TIMEOUT_S;
  if (positionals.length > 1) throw new InputError(`mark: one TEXT, got ${positionals.length} words; quote it: neuroloop mark ... "${positionals.join(' ').slice(0, 60)}"`);
  const marker = markerFromArgs(positionals[0], values);
  if (values['password-file'] !== undefined && values.username === undefined) throw new InputError('--password-file: needs --username (MQTT sends a password only with a user name)');
  const password = values['password-file'] === undefined ? undefined : readSecret('--password-file', values['password-file']);
  const ca = values.ca === undefined ? undefined : readSecret('--ca', values.ca, false);

  const shown = redactUrl(url);
  const t = topics(prefix, rig);
  const id = `mark-${randomUUID()}`;
  // Loaded only here: `neuroloop --help` and the other commands do not pay for MQTT.js.
  const { connectAsync } = await import('mqtt');
  const timeout_ms = timeout_s * 1000;
  let client;
  try {
    client = await connectAsync(
      url,
      { clientId: `neuroloop-mark-${id.slice(5, 13)}`, username: values.username, password, ...(ca === undefined ? {} : { ca: [ca] }), reconnectPeriod: 0, connectTimeout: timeout_ms, clean: true, rejectUnauthorized: true },
      false,
    );
  } catch (error) {
    process.stderr.write(`neuroloop mark: cannot connect to the broker ${shown}: ${scrub(error instanceof Error ? error.message : String(error), password)}; the marker was not sent\n`);
    return 1;
  }
  try {
    let answered: (ack: AckPayload) => void = () => undefined;
    const answer = new Promise<AckPayload>((resolve) => {
      answered = resolve;
    });
    client.on('message', (topic, payload) => {
      if (topic !== t.ack) return;
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
      const ack = ackPayload.safeParse(body);
      if (ack.success && ack.data.id === id) answered(ack.data);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeout_ms);
    });
    // Subscribed (the broker said so) before the marker goes: the answer cannot pass us by.
    const ready = await Promise.race([
      (async () => {
        await client.subscribeAsync(t.ack, { qos: 1 });
        await client.publishAsync(t.command('marker'), JSON.stringify({ id, ...marker }), { qos: 1, retain: false });
        return true;
      })(),
      deadline,
    ]);
    const ack = ready === null ? null : await Promise.race([answer, deadline]);
    clearTimeout(timer);
    if (ack === null) {
      process.stderr.write(
        `neuroloop mark: no answer from rig "${rig}" on ${shown} within ${timeout_s} s (marker ${id}): is neuroloop run running there with telemetry.commands.enabled: true, and may this user write ${t.command('marker')} and read ${t.ack}?\n`,
      );
      return 1;
    }
    if (!ack.ok) {
      process.stderr.write(`neuroloop mark: rig "${rig}" on ${shown} refused the marker: ${ack.error ?? 'no reason given'}\n`);
      return 2;
    }
    process.stdout.write(`marker ${id} accepted by rig "${rig}" at t = ${ack.t_s} s: ${describeMarker(marker)}${ack.warning ? ` (${ack.warning})` : ''}\n`);
    return 0;
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

/** The marker the flags describe, checked by the schema every door uses; a problem names the flag. */
function markerFromArgs(text: string | undefined, v: { drug?: string; dose?: string; unit?: string; route?: string; state?: string }): Marker {
  const candidate: Record<string, unknown> = {};
  if (text !== undefined) candidate.text = text;
  const given = (['drug', 'dose', 'unit', 'route'] as const).filter((k) => v[k] !== undefined);
  if (given.length > 0) {
    const missing = (['drug', 'dose', 'unit', 'route'] as const).filter((k) => v[k] === undefined);
    if (missing.length > 0) throw new InputError(`--${missing[0]} is required with --${given[0]} (a medication is --drug, --dose, --unit and --route, e.g. --drug levodopa --dose 100 --unit mg --route oral)`);
    // A plain decimal only: Number() would take 0x10 as 16 mg.
    const dose = v.dose !== undefined && /^\s*\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v.dose) ? Number(v.dose) : Number.NaN;
    if (v.dose !== undefined && /^\s*-\s*\d/.test(v.dose)) throw new InputError(`--dose (medication.dose): must be > 0, got ${JSON.stringify(v.dose)}`);
    if (v.dose === undefined || !Number.isFinite(dose)) throw new InputError(`--dose (medication.dose): expected a decimal number such as 100 or 0.5, got ${JSON.stringify(v.dose)}`);
    candidate.medication = { drug: v.drug, dose, unit: v.unit, route: v.route };
  }
  if (v.state !== undefined) candidate.state = v.state;
  if (text === undefined && given.length === 0) throw new InputError('mark: nothing to mark: give TEXT or a medication (--drug, --dose, --unit, --route); neuroloop mark --help');
  const parsed = markerSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const field = formatPath(issue.path);
    const line = formatIssues([issue])[0] ?? `${field}: ${issue.message}`;
    const flag = Object.hasOwn(FLAG_OF, field) ? FLAG_OF[field] : undefined;
    return flag === undefined ? line : `${flag} (${line.replace(': ', '): ')}`;
  });
  throw new InputError(lines.join('; '));
}

/** A secret or PEM from a file (the password's trailing line break dropped); an unreadable one names its flag. */
function readSecret(flag: string, path: string, trim = true): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const value = trim ? text.replace(/\r?\n$/, '') : text;
  if (value === '') throw new InputError(`${flag} ${path}: is empty`);
  return value;
}

function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('***');
}
