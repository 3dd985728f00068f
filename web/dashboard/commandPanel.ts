import { MAX_COMMAND_BYTES } from '../../controller/commands.js';
import { MARKER_LIMITS, markerSchema } from '../../controller/marker.js';
import type { AckPayload, LoopPayload } from '../../drivers/mqtt/telemetryPayloads.js';

/** How long a command waits for its ack before the page says nobody answered. */
const ACK_TIMEOUT_MS = 4000;
/** Result lines kept (newest first): one per command, each updated in place by its own ack or timeout. */
const RESULT_LINES = 5;

type CommandName = 'estop' | 'reset' | 'policy' | 'marker';

export interface CommandSender {
  /** Publishes cmd/<name> (the JSON payload) to the selected rig; false when there is no connection (nothing is queued). */
  send(name: CommandName, payload: string): boolean;
}

interface Pending {
  readonly what: string;
  readonly timer: ReturnType<typeof setTimeout>;
  /** This command's own result line. */
  readonly line: HTMLLIElement;
  /** Run when the rig confirms it. */
  readonly confirmed?: () => void;
}

type Kind = '' | 'ok' | 'refused';

const encoder = new TextEncoder();

/**
 * E-stop, reset, markers and the tunable parameters, shown only when the selected rig
 * says commands are enabled (its `loop`). The page only publishes the existing commands
 * to the rig's command channel; the rig's governor decides, and the page shows the answer
 * (cmd/ack) for each by its id, on that command's own line. Nothing is sent twice or
 * retained; what the rig would refuse for its form (a partial medication, a dose that is
 * no number, a parameter outside its bounds, a command larger than the rig reads) is not
 * sent, and the page says why.
 */
export class CommandPanel {
  private readonly pending = new Map<string, Pending>();
  private tunableKey = '';
  private statesKey = '';
  private enabled = false;

  constructor(
    private readonly doc: Document,
    private readonly sender: CommandSender,
  ) {
    const byId = <T extends HTMLElement>(id: string): T => doc.getElementById(id) as T;
    byId('estop').addEventListener('click', () => this.estop('e-stop button on the dashboard'));
    doc.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.enabled) {
        e.preventDefault();
        this.estop('Escape key on the dashboard');
      }
    });
    const reset = byId<HTMLButtonElement>('reset');
    const confirm = byId<HTMLButtonElement>('reset-confirm');
    reset.addEventListener('click', () => {
      confirm.hidden = false;
      setTimeout(() => (confirm.hidden = true), 5000);
    });
    confirm.addEventListener('click', () => {
      confirm.hidden = true;
      this.send('reset', { reason: 'reset from the dashboard' }, 'reset');
    });
    const markerForm = byId<HTMLFormElement>('marker-form');
    // The marker schema's own limits (controller/marker.ts): a field cannot be typed longer than the rig reads.
    const limits: Record<string, number> = { text: MARKER_LIMITS.text_chars, drug: MARKER_LIMITS.drug_chars, unit: MARKER_LIMITS.unit_chars, route: MARKER_LIMITS.route_chars };
    for (const [name, max] of Object.entries(limits)) (markerForm.elements.namedItem(name) as HTMLInputElement).maxLength = max;
    markerForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.mark(e.target as HTMLFormElement);
    });
    const tuneForm = byId<HTMLFormElement>('tune-form');
    tuneForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.tune(e.target as HTMLFormElement);
    });
    // A value typed and not yet applied is the user's: a `loop` from the rig does not overwrite it.
    tuneForm.addEventListener('input', (e) => {
      const input = e.target as HTMLInputElement;
      if (input.dataset.param !== undefined) input.dataset.edited = '1';
    });
  }

  /** The selected rig's loop state (null: none yet, or another rig chosen), and whether a command could reach it now. */
  loop(loop: LoopPayload | null, reach: 'ok' | 'rig offline' | 'no broker'): void {
    const enabled = loop !== null && loop.commands.enabled && reach === 'ok';
    this.enabled = enabled;
    // Written only when changed: this runs with every message from the rig, and an unchanged text still costs a layout.
    const commands = this.doc.getElementById('commands') as HTMLElement;
    if (commands.hidden !== !enabled) commands.hidden = !enabled;
    const readonly = this.field('readonly');
    if (readonly.hidden !== enabled) readonly.hidden = enabled;
    const readonlyText =
      loop === null
        ? 'Read-only: this rig publishes no loop state (an older neuroloop, or not started yet).'
        : !loop.commands.enabled
          ? 'Read-only: commands are disabled on this rig (telemetry.commands.enabled is false).'
          : reach === 'no broker'
            ? 'Commands unavailable: no connection to the broker (reconnecting). An e-stop cannot be sent from this page now.'
            : 'Read-only: the rig is not running.';
    if (readonly.textContent !== readonlyText) readonly.textContent = readonlyText;
    if (loop === null) return;
    const tunable = loop.commands.tunable;
    // Rebuilt only when the parameters or their bounds change; the values are updated in place.
    const tunableKey = JSON.stringify(Object.entries(tunable).map(([name, t]) => [name, t.min, t.max]));
    if (tunableKey !== this.tunableKey) {
      this.tunableKey = tunableKey;
      this.renderTunables(tunable);
    }
    this.showTunableValues(tunable);
    const statesKey = loop.commands.states.join(',');
    if (statesKey !== this.statesKey) {
      this.statesKey = statesKey;
      const select = (this.doc.getElementById('marker-form') as HTMLFormElement).elements.namedItem('state') as HTMLSelectElement;
      const none = this.doc.createElement('option');
      none.value = '';
      none.textContent = '(none)';
      select.replaceChildren(none, ...loop.commands.states.map((s) => Object.assign(this.doc.createElement('option'), { value: s, textContent: s })));
    }
  }

  ack(ack: AckPayload): void {
    let id = ack.id;
    if (id === null) {
      // The rig could not read the id (an oversized or broken payload). Nothing pending: another client's.
      if (this.pending.size === 0) return;
      if (this.pending.size > 1) {
        this.say(`${ack.ok ? 'A command was taken by the rig' : 'A command was refused by the rig'} (which one of the ${this.pending.size} waiting, it could not tell): ${ack.error ?? ack.warning ?? 'no reason given'}`, ack.ok ? 'ok' : 'refused');
        return;
      }
      id = this.pending.keys().next().value ?? null;
      if (id === null) return;
    }
    const p = this.pending.get(id);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (ack.ok) p.confirmed?.();
    const text = ack.ok ? `${p.what}: confirmed by the rig (t ${ack.t_s.toFixed(1)} s)${ack.warning ? `; ${ack.warning}` : ''}` : `${p.what}: refused by the rig: ${ack.error ?? 'no reason given'}`;
    this.write(p.line, text, ack.ok ? 'ok' : 'refused');
  }

  private estop(reason: string): void {
    this.send('estop', { reason }, 'E-STOP');
  }

  /** True when published (the answer then comes on its own line). */
  private send(name: CommandName, body: Record<string, unknown>, what: string, confirmed?: () => void): boolean {
    const id = `dash-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const payload = JSON.stringify({ id, ...body });
    // An e-stop is never held back (the rig e-stops on any payload); anything else larger than the rig reads is refused by it unread.
    const bytes = encoder.encode(payload).length;
    if (name !== 'estop' && bytes > MAX_COMMAND_BYTES) {
      this.say(`${what}: NOT SENT: the command would be ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} the rig reads`, 'refused');
      return false;
    }
    if (!this.sender.send(name, payload)) {
      this.say(`${what}: NOT SENT, no connection to the broker`, 'refused');
      return false;
    }
    const line = this.say(`${what}: sent, waiting for the rig...`, '');
    // Only this command's line: a later command's result stays as it is.
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.write(line, `${what}: no answer from the rig within ${ACK_TIMEOUT_MS / 1000} s (rig away, or this user may not write cmd/ on the broker)`, 'refused');
    }, ACK_TIMEOUT_MS);
    this.pending.set(id, confirmed === undefined ? { what, timer, line } : { what, timer, line, confirmed });
    return true;
  }

  private mark(form: HTMLFormElement): void {
    const input = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
    const value = (name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value ?? '').trim();
    const refuse = (why: string): void => void this.say(`Marker: NOT SENT: ${why}`, 'refused');
    const body: Record<string, unknown> = {};
    const state = value('state');
    const names = ['drug', 'dose', 'unit', 'route'] as const;
    // A dose typed as no number reads as '' from a number input: it was still typed.
    const given = names.filter((n) => value(n) !== '' || input(n).validity.badInput);
    if (given.length > 0) {
      if (given.length < names.length) return refuse(`a medication needs all four of drug, dose, unit and route (missing: ${names.filter((n) => !given.includes(n)).join(', ')})`);
      const dose = Number(value('dose'));
      if (input('dose').validity.badInput || !Number.isFinite(dose) || dose <= 0) return refuse(`dose must be a positive number (got "${value('dose') || 'not a number'}")`);
      if (dose > MARKER_LIMITS.dose_max) return refuse(`dose must be at most ${MARKER_LIMITS.dose_max}`);
      body.medication = { drug: value('drug'), dose, unit: value('unit'), route: value('route') };
    }
    // A state alone is a marker of its name: the rig wants text or a medication.
    if (value('text') !== '') body.text = value('text');
    else if (state !== '' && body.medication === undefined) body.text = state;
    if (state !== '') body.state = state;
    if (Object.keys(body).length === 0) return refuse('nothing to mark (text, a medication or a state)');
    const bytes = encoder.encode(JSON.stringify(body)).length;
    if (bytes <= MAX_COMMAND_BYTES) {
      // The rig's own schema: what it would refuse (a drug name's letters, the size of a recording's annotation) is said here.
      const checked = markerSchema.safeParse(body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        return refuse(`${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
      }
    }
    if (this.send('marker', body, 'Marker')) form.reset();
  }

  private tune(form: HTMLFormElement): void {
    const params: Record<string, number> = {};
    const sent: HTMLInputElement[] = [];
    for (const input of form.querySelectorAll<HTMLInputElement>('input[data-param]')) {
      const name = input.dataset.param ?? '';
      if (input.validity.badInput) {
        this.say(`Policy: NOT SENT: ${name} is not a number`, 'refused');
        return;
      }
      if (input.value === '' || input.dataset.edited !== '1') continue;
      const v = Number(input.value);
      const min = Number(input.min);
      const max = Number(input.max);
      if (!Number.isFinite(v)) {
        this.say(`Policy: NOT SENT: ${name} is not a number`, 'refused');
        return;
      }
      if (v < min || v > max) {
        this.say(`Policy: NOT SENT: ${name} ${input.value} is outside [${min}, ${max}]`, 'refused');
        return;
      }
      if (input.dataset.rig !== '' && Number(input.dataset.rig) === v) continue;
      params[name] = v;
      sent.push(input);
    }
    if (Object.keys(params).length === 0) {
      this.say('Policy: nothing changed', 'refused');
      return;
    }
    // Confirmed: the inputs show the rig's values again as they come.
    this.send('policy', { params }, `Policy ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')}`, () => {
      for (const input of sent) delete input.dataset.edited;
    });
  }

  private renderTunables(tunable: LoopPayload['commands']['tunable']): void {
    const host = this.doc.getElementById('tunables') as HTMLElement;
    const names = Object.keys(tunable);
    // Nothing to apply: no button that does nothing.
    const apply = this.doc.querySelector<HTMLButtonElement>('#tune-form button[type="submit"]');
    if (apply !== null) apply.hidden = names.length === 0;
    if (names.length === 0) {
      host.replaceChildren(Object.assign(this.doc.createElement('p'), { className: 'muted', textContent: 'none tunable' }));
      return;
    }
    host.replaceChildren(
      ...names.map((name) => {
        const t = tunable[name];
        const label = this.doc.createElement('label');
        const input = this.doc.createElement('input');
        input.type = 'number';
        input.step = 'any';
        input.min = String(t.min);
        input.max = String(t.max);
        input.dataset.param = name;
        input.dataset.rig = '';
        const rigValue = this.doc.createElement('span');
        rigValue.className = 'tunable-rig';
        rigValue.dataset.rigValue = name;
        label.append(`${name} [${t.min}, ${t.max}] `, input, rigValue);
        return label;
      }),
    );
  }

  /** The rig's current values: in the inputs, except one being edited, which keeps the user's value with the rig's beside it. */
  private showTunableValues(tunable: LoopPayload['commands']['tunable']): void {
    const host = this.doc.getElementById('tunables') as HTMLElement;
    for (const input of host.querySelectorAll<HTMLInputElement>('input[data-param]')) {
      const name = input.dataset.param ?? '';
      const t = Object.hasOwn(tunable, name) ? tunable[name] : undefined;
      const rig = t === undefined || t.value === null ? '' : String(t.value);
      if (input.dataset.rig !== rig) input.dataset.rig = rig;
      const editing = this.doc.activeElement === input || input.dataset.edited === '1';
      if (!editing && input.value !== rig) input.value = rig;
      const beside = host.querySelector<HTMLElement>(`[data-rig-value="${CSS.escape(name)}"]`);
      const note = editing && input.value !== '' && Number(input.value) !== Number(rig) ? `rig: ${rig === '' ? 'not a number' : rig}` : '';
      if (beside !== null && beside.textContent !== note) beside.textContent = note;
    }
  }

  /** A new result line, newest first; the oldest beyond RESULT_LINES goes. */
  private say(text: string, kind: Kind): HTMLLIElement {
    const list = this.field('ack');
    const line = this.doc.createElement('li');
    this.write(line, text, kind);
    list.prepend(line);
    while (list.childElementCount > RESULT_LINES) list.lastElementChild?.remove();
    return line;
  }

  private write(line: HTMLLIElement, text: string, kind: Kind): void {
    line.textContent = text;
    line.className = kind;
  }

  private field(name: string): HTMLElement {
    return this.doc.querySelector(`[data-field="${name}"]`) as HTMLElement;
  }
}
