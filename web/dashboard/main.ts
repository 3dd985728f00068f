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
/**
 * Animation frames come every 16.7 ms at 60 Hz and not exactly: a frame a little early
 * for the 33.3 ms spacing would be skipped, and the page would draw on every third frame
 * (20/s) as often as on every second. This much early is close enough.
 */
const FRAME_SLACK_MS = 4;
/** After the first connection, how long the retained statuses have to arrive before a wanted rig never seen is given up. */
const WANTED_RIG_GRACE_MS = 2000;
/** The values that are the rig's last known ones (not live) while it is offline or the broker is away. */
const RIG_VALUES = ['governor', 'policy', 'biomarker', 'thresholds', 'amplitude_mA', 'session-time', 'dose'] as const;

/** The selected rig as the page knows it. */
interface RigState {
  name: string;
  status: StatusPayload | null;
  features: FeaturesPayload | null;
  stim: StimPayload | null;
  loop: LoopPayload | null;
  /** The status came over the current connection (not one from before the broker was away). */
  statusFresh: boolean;
}

/** The page's fields by name, looked up once: renderText reads about twenty of them up to 30 times a second. */
const fields = new Map<string, HTMLElement>();
function field(name: string): HTMLElement {
  let el = fields.get(name);
  if (el === undefined) {
    el = document.querySelector(`[data-field="${name}"]`) as HTMLElement;
    fields.set(name, el);
  }
  return el;
}

/** Sets an element's text only when it changes (no layout work for an unchanged value). */
function show(name: string, text: string, className?: string): void {
  const el = field(name);
  if (el.textContent !== text) el.textContent = text;
  if (className !== undefined && el.className !== className) el.className = className;
}

const wallClock = (at: Date): string => at.toLocaleTimeString();

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
    if (!banner.hidden && errors[errors.length - 1] === text) return;
    errors.push(text);
    if (errors.length > SHOWN_ERRORS) errors.shift();
    show('errors-text', errors.join('\n'));
    banner.hidden = false;
  };
  // Dismissed: gone until the next error, which shows the banner again.
  (document.getElementById('errors-dismiss') as HTMLButtonElement).addEventListener('click', () => {
    banner.hidden = true;
    errors.length = 0;
  });
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
  const embedded = config.sessionBroker;
  const url = config.broker === 'same-origin' ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SAME_ORIGIN_MQTT_PATH}` : config.broker;

  const timeline = new RigTimeline(document.getElementById('charts') as HTMLElement);
  const eventList = document.getElementById('event-list') as HTMLOListElement;
  let rig: RigState | null = null;
  let connection: ConnectionState = 'connecting';
  /** When the connection was lost (null: connected, or never connected yet). */
  let awaySince: Date | null = null;
  let everConnected = false;
  /** Since when the header says the broker is away (also before a first connection). */
  let retryingSince: Date | null = null;
  let lastFrameAt_ms = 0;
  let axisEnd_s = Number.NaN;
  let textDirty = true;
  // The retained status and stim arrive once, for every rig: kept, so choosing a rig shows them at once.
  const lastStatus = new Map<string, StatusPayload>();
  const lastStim = new Map<string, StimPayload>();
  // Rigs whose status came over the current connection; emptied when it is lost (what was known is then only "last known").
  const freshStatus = new Set<string>();
  const remember = <T>(map: Map<string, T>, name: string, value: T): void => {
    if (map.has(name) || map.size < REMEMBERED_RIGS) map.set(name, value);
  };

  const connectionTo = new BrokerConnection(url, {
    onState: (state, detail, retry_ms) => {
      if (state === 'reconnecting' && connection === 'connected') timeline.gap();
      if (state === 'connected') {
        awaySince = null;
        fleet.connectionBack();
        if (!everConnected) setTimeout(giveUpUnseenRig, WANTED_RIG_GRACE_MS);
        everConnected = true;
      } else if (awaySince === null && everConnected) {
        // Nothing comes while the broker is away, not even a last will: every rig's state is unknown from now on.
        awaySince = new Date();
        freshStatus.clear();
        fleet.connectionLost(`no connection (since ${wallClock(awaySince)})`);
        if (rig !== null) rig.statusFresh = false;
      }
      connection = state;
      if (state === 'connected') retryingSince = null;
      else if (state === 'reconnecting' && retryingSince === null) retryingSince = awaySince ?? new Date();
      const since = retryingSince ?? new Date();
      const label =
        state === 'reconnecting'
          ? `reconnecting (broker away since ${wallClock(since)}${retry_ms === undefined ? '' : `; next try in ${Math.round(retry_ms / 1000)} s`})`
          : state === 'refused'
            ? 'refused by the broker'
            : state;
      show('connection', label, `pill ${state}`);
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
    send: (name, payload) => rig !== null && connectionTo.publishCommand(`${prefix}/${rig.name}/cmd/${name}`, payload),
  });
  const fleet = new FleetList(document.getElementById('rig-list') as HTMLElement, (name) => select(name));
  connectionTo.subscribe([`${prefix}/+/status`, `${prefix}/+/stim`]);

  const rigTopics = (name: string): string[] => ['features', 'events', 'loop', 'cmd/ack'].map((t) => `${prefix}/${name}/${t}`);
  function select(name: string): void {
    if (rig?.name === name) return;
    if (rig !== null) connectionTo.unsubscribe(rigTopics(rig.name));
    rig = { name, status: lastStatus.get(name) ?? null, features: null, stim: lastStim.get(name) ?? null, loop: null, statusFresh: freshStatus.has(name) };
    timeline.destroy();
    const stim = rig.stim;
    if (stim !== null) timeline.setAmplitude(stim.enabled ? stim.amplitude_mA : 0);
    eventList.replaceChildren();
    axisEnd_s = Number.NaN;
    fleet.select(name);
    field('selection-note').hidden = true;
    history.replaceState(null, '', `#rig=${encodeURIComponent(name)}`);
    connectionTo.subscribe(rigTopics(name));
    textDirty = true;
  }
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('rig');
  const wanted = fromHash ?? config.rig;
  if (wanted !== null) select(wanted);
  /**
   * A rig asked for (a bookmarked #rig=, or --rig) that the broker has not heard of once the
   * retained statuses are in: the first online rig instead, and the page says so.
   */
  function giveUpUnseenRig(): void {
    if (wanted === null || rig?.name !== wanted || lastStatus.has(wanted) || lastStim.has(wanted)) return;
    const where = fromHash !== null ? `the address (#rig=${wanted})` : `the dashboard's --rig`;
    const online = fleet.firstOnline;
    if (online === null) {
      show('selection-note', `The rig "${wanted}" named in ${where} has not been seen on this broker; no other rig is online.`);
    } else {
      select(online);
      show('selection-note', `The rig "${wanted}" named in ${where} is not on this broker: showing ${online}, the first online rig.`);
    }
    field('selection-note').hidden = false;
  }

  function take(m: TelemetryMessage): void {
    if (m.kind === 'status') {
      fleet.status(m.rig, m.payload);
      remember(lastStatus, m.rig, m.payload);
      if (lastStatus.has(m.rig)) freshStatus.add(m.rig);
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
        rig.statusFresh = true;
        break;
      case 'stim':
        rig.stim = m.payload;
        timeline.setAmplitude(m.payload.enabled ? m.payload.amplitude_mA : 0);
        break;
      case 'loop':
        rig.loop = m.payload;
        timeline.setLoop(m.payload.policy.thresholds, m.payload.modality === 'pulse', m.payload.amplitudeMax_mA);
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
    const linked = connection === 'connected';
    // Without the broker nothing says what the rig does now (an embedded broker dies with its session: no last will comes).
    let state: string;
    let stateClass: string;
    let stale: string | null = null;
    if (!linked && awaySince !== null) {
      state = `no connection (since ${wallClock(awaySince)})`;
      stateClass = 'state-unknown';
      stale = embedded
        ? `Last known values, not live: the session's broker is gone since ${wallClock(awaySince)}. It runs inside the session's process, so the session has ended or died (or the network to it is down); no last will can come. What the rig does now is unknown.`
        : `Last known values, not live: no connection to the broker since ${wallClock(awaySince)}. What the rig does now is unknown until the connection is back.`;
    } else if (status === null) {
      state = 'unknown';
      stateClass = 'state-unknown';
    } else if (!rig.statusFresh) {
      state = 'unknown (waiting for its status)';
      stateClass = 'state-unknown';
      stale = 'Last known values: the connection is back, the rig has not yet said its state.';
    } else {
      state = lastWill ? 'offline' : status.state;
      stateClass = `state-${state}`;
      if (status.state === 'offline') {
        stale = `Last known values: the rig is offline (${lastWill ? 'last will: the process died or lost the broker' : `session ended: ${status.final ?? ''}`}).`;
      }
    }
    show('state', state, stateClass);
    const title = !linked && awaySince !== null ? 'no connection to the broker: the rig state is unknown' : lastWill ? 'last will: the rig process died or lost the broker' : status?.final !== undefined ? `session ended: ${status.final}` : '';
    // Written only when changed, as show() does: an unchanged page does no style or layout work.
    if (field('state').title !== title) field('state').title = title;
    show('stale-note', stale ?? '');
    if (field('stale-note').hidden !== (stale === null)) field('stale-note').hidden = stale === null;
    for (const name of RIG_VALUES) field(name).classList.toggle('stale', stale !== null);
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
    commands.loop(loop, !linked ? 'no broker' : status === null || status.state === 'offline' ? 'rig offline' : 'ok');
  }

  let lastDraw_ms = 0;
  const frame = (now_ms: number): void => {
    requestAnimationFrame(frame);
    if (now_ms - lastDraw_ms < MIN_FRAME_MS - FRAME_SLACK_MS) return;
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
