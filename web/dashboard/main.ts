import { type DashboardPageConfig, dashboardPageConfig, SAME_ORIGIN_MQTT_PATH } from '../../drivers/http/dashboardPageConfig.js';
import type { EventPayload, FeaturesPayload, LoopPayload, StatusPayload, StimPayload } from '../../drivers/mqtt/telemetryPayloads.js';
import { BrokerConnection, type ConnectionState, type Credentials } from './brokerConnection.js';
import { CommandPanel } from './commandPanel.js';
import { FleetList } from './fleetList.js';
import { RigTimeline } from './rigTimeline.js';
import { isUnreadable, readTelemetry, type TelemetryMessage } from './telemetryMessage.js';

/** Events listed as text (all are on the charts' time axis, up to their own bound). */
const LISTED_EVENTS = 100;
/** Errors shown at once in the banner. */
const SHOWN_ERRORS = 5;
/** Rigs whose last status and stim are kept (for the one chosen next); as many as the list shows. */
const REMEMBERED_RIGS = 200;
/** Between two frames the axis moves on with the wall clock, at most this far past the newest frame. */
const MAX_EXTRAPOLATION_S = 0.5;
/** Fastest redraw: a Pi's browser has other things to do than 60 fps. */
const MIN_FRAME_MS = 1000 / 30;

/** The selected rig as the page knows it. */
interface RigState {
  name: string;
  status: StatusPayload | null;
  features: FeaturesPayload | null;
  stim: StimPayload | null;
  loop: LoopPayload | null;
}

const field = (name: string): HTMLElement => document.querySelector(`[data-field="${name}"]`) as HTMLElement;

/** Sets an element's text only when it changes (no layout work for an unchanged value). */
function show(name: string, text: string, className?: string): void {
  const el = field(name);
  if (el.textContent !== text) el.textContent = text;
  if (className !== undefined && el.className !== className) el.className = className;
}

function clock(t_s: number): string {
  const s = Math.floor(t_s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
}

async function start(): Promise<void> {
  const errors: string[] = [];
  const banner = document.getElementById('errors') as HTMLElement;
  const error = (text: string): void => {
    if (errors[errors.length - 1] === text) return;
    errors.push(text);
    if (errors.length > SHOWN_ERRORS) errors.shift();
    banner.textContent = errors.join('\n');
    banner.hidden = false;
  };
  let config: DashboardPageConfig;
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    config = dashboardPageConfig.parse(await response.json());
  } catch (e) {
    error(`config.json cannot be read: ${(e as Error).message}`);
    return;
  }
  const prefix = config.topicPrefix;
  show('broker', config.brokerLabel);
  const url = config.broker === 'same-origin' ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SAME_ORIGIN_MQTT_PATH}` : config.broker;

  const timeline = new RigTimeline(document.getElementById('charts') as HTMLElement);
  const eventList = document.getElementById('event-list') as HTMLOListElement;
  let rig: RigState | null = null;
  let connection: ConnectionState = 'connecting';
  let lastFrameAt_ms = 0;
  let axisEnd_s = Number.NaN;
  let textDirty = true;
  // The retained status and stim arrive once, for every rig: kept, so choosing a rig shows them at once.
  const lastStatus = new Map<string, StatusPayload>();
  const lastStim = new Map<string, StimPayload>();
  const remember = <T>(map: Map<string, T>, name: string, value: T): void => {
    if (map.has(name) || map.size < REMEMBERED_RIGS) map.set(name, value);
  };

  const connectionTo = new BrokerConnection(url, {
    onState: (state, detail) => {
      if (state === 'reconnecting' && connection === 'connected') timeline.gap();
      connection = state;
      const label = state === 'reconnecting' ? `reconnecting (broker away since ${new Date().toLocaleTimeString()})` : state === 'refused' ? 'refused by the broker' : state;
      if (state !== 'reconnecting' || !field('connection').textContent?.startsWith('reconnecting')) show('connection', label, `pill ${state}`);
      if (state === 'refused') askForCredentials(`the broker refused: ${detail ?? 'not authorised'}`);
      textDirty = true;
    },
    onMessage: (topic, payload) => {
      const message = readTelemetry(prefix, topic, payload);
      if (message === null) return;
      if (isUnreadable(message)) error(`${message.topic}: ${message.problem}`);
      else take(message);
    },
  });

  const commands = new CommandPanel(document, {
    send: (name, body) => rig !== null && connectionTo.publishCommand(`${prefix}/${rig.name}/cmd/${name}`, JSON.stringify(body)),
  });
  const fleet = new FleetList(document.getElementById('rig-list') as HTMLElement, (name) => select(name));
  connectionTo.subscribe([`${prefix}/+/status`, `${prefix}/+/stim`]);

  const rigTopics = (name: string): string[] => ['features', 'events', 'loop', 'cmd/ack'].map((t) => `${prefix}/${name}/${t}`);
  function select(name: string): void {
    if (rig?.name === name) return;
    if (rig !== null) connectionTo.unsubscribe(rigTopics(rig.name));
    rig = { name, status: lastStatus.get(name) ?? null, features: null, stim: lastStim.get(name) ?? null, loop: null };
    timeline.destroy();
    const stim = rig.stim;
    if (stim !== null) timeline.setAmplitude(stim.enabled ? stim.amplitude_mA : 0);
    eventList.replaceChildren();
    axisEnd_s = Number.NaN;
    fleet.select(name);
    history.replaceState(null, '', `#rig=${encodeURIComponent(name)}`);
    connectionTo.subscribe(rigTopics(name));
    textDirty = true;
  }
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('rig');
  const wanted = fromHash ?? config.rig;
  if (wanted !== null) select(wanted);

  function take(m: TelemetryMessage): void {
    if (m.kind === 'status') {
      fleet.status(m.rig, m.payload);
      remember(lastStatus, m.rig, m.payload);
    }
    if (m.kind === 'stim') {
      fleet.stim(m.rig, m.payload.amplitude_mA, m.payload.enabled);
      remember(lastStim, m.rig, m.payload);
    }
    if (rig === null && m.kind === 'status') select(fleet.first ?? m.rig);
    if (rig === null || m.rig !== rig.name) return;
    textDirty = true;
    switch (m.kind) {
      case 'status':
        rig.status = m.payload;
        break;
      case 'stim':
        rig.stim = m.payload;
        timeline.setAmplitude(m.payload.enabled ? m.payload.amplitude_mA : 0);
        break;
      case 'loop':
        rig.loop = m.payload;
        timeline.setLoop(m.payload.policy.thresholds, m.payload.modality === 'pulse');
        break;
      case 'features':
        rig.features = m.payload;
        timeline.frame(m.payload.t_s, m.payload.biomarker, m.payload.bands);
        lastFrameAt_ms = performance.now();
        break;
      case 'events':
        timeline.event(m.payload);
        if (m.payload.kind !== 'pulse') listEvent(m.payload);
        break;
      case 'ack':
        commands.ack(m.payload);
        break;
    }
  }

  function listEvent(e: EventPayload): void {
    const li = document.createElement('li');
    li.className = e.kind;
    li.textContent = `${e.t_s.toFixed(1)} s  ${e.kind}: ${e.reason}`;
    eventList.prepend(li);
    while (eventList.childElementCount > LISTED_EVENTS) eventList.lastElementChild?.remove();
  }

  function askForCredentials(why: string): void {
    const form = document.getElementById('login') as HTMLFormElement;
    form.hidden = false;
    show('login-error', why);
    (form.elements.namedItem('username') as HTMLInputElement).focus();
  }
  (document.getElementById('login') as HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const credentials: Credentials = {
      username: (form.elements.namedItem('username') as HTMLInputElement).value,
      password: (form.elements.namedItem('password') as HTMLInputElement).value,
    };
    // Out of the form at once: the password lives only in the connection's memory.
    form.reset();
    form.hidden = true;
    connectionTo.connect(credentials);
  });

  function renderText(): void {
    fleet.render();
    if (!textDirty) return;
    textDirty = false;
    if (rig === null) return;
    const { status, features, stim, loop } = rig;
    show('rig', rig.name);
    const lastWill = status?.state === 'offline' && status.final === undefined;
    const state = status === null ? 'unknown' : lastWill ? 'offline' : status.state;
    show('state', state, `state-${state}`);
    field('state').title = lastWill ? 'last will: the rig process died or lost the broker' : status?.final !== undefined ? `session ended: ${status.final}` : '';
    show('governor', loop === null ? '-' : loop.governor.latched !== null ? `LATCHED ${loop.governor.latched}` : loop.governor.state);
    show('policy', loop === null ? '-' : `${loop.policy.kind}: ${loop.policy.state}`);
    show('thresholds', loop === null || loop.policy.thresholds.length === 0 ? '-' : loop.policy.thresholds.map((t) => t.toPrecision(3)).join(' / '));
    show('biomarker', features === null ? '-' : features.biomarker === null ? 'n/a' : `${features.biomarker.toFixed(3)}${features.valid ? '' : ' (invalid)'}`);
    const pulses = loop?.modality === 'pulse';
    show('output-label', pulses ? 'pulses fired' : 'amplitude (mA)');
    show('amplitude_mA', pulses ? String(loop?.pulses?.fired ?? '-') : stim === null ? '-' : stim.enabled ? stim.amplitude_mA.toFixed(3) : '0.000 (off)');
    show('session-time', features === null ? '-' : clock(features.t_s));
    if (loop !== null) {
      const d = loop.dose;
      const b = d.budget;
      const part = (used: string, max: number | undefined, unit: string): string => `${used}${max === undefined ? '' : ` / ${max}`} ${unit}`;
      show('dose', [part(d.onTime_s.toFixed(0), b.maxOnTime_s, 's on'), part(d.charge_mC.toFixed(3), b.maxCharge_mC, 'mC'), part(String(Math.floor(d.pulses)), b.maxPulses, 'pulses')].join(' · '));
    }
    const dropped = loop?.dropped ?? status?.dropped ?? {};
    const droppedTotal = Object.values(dropped).reduce((a, n) => a + n, 0);
    show('dropped', droppedTotal === 0 ? '0' : Object.entries(dropped).map(([t, n]) => `${t} ${n}`).join(', '));
    commands.loop(loop, connection !== 'connected' ? 'no broker' : status === null || status.state === 'offline' ? 'rig offline' : 'ok');
  }

  let lastDraw_ms = 0;
  const frame = (now_ms: number): void => {
    requestAnimationFrame(frame);
    if (now_ms - lastDraw_ms < MIN_FRAME_MS) return;
    lastDraw_ms = now_ms;
    renderText();
    const newest = timeline.newestT_s;
    if (Number.isNaN(newest)) return;
    // Live: the axis glides on between frames; it never runs back, nor far past the data.
    const live = connection === 'connected' && rig?.status?.state !== 'offline';
    const target = live ? newest + Math.min((now_ms - lastFrameAt_ms) / 1000, MAX_EXTRAPOLATION_S) : newest;
    axisEnd_s = Number.isNaN(axisEnd_s) || target < axisEnd_s - MAX_EXTRAPOLATION_S * 2 ? target : Math.max(axisEnd_s, target);
    timeline.draw(axisEnd_s);
  };
  requestAnimationFrame(frame);
  addEventListener('resize', () => timeline.resize());

  if (config.loginRequired) askForCredentials('this broker takes no anonymous client');
  else connectionTo.connect(null);
}

void start();
