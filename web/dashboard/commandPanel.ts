import type { AckPayload, LoopPayload } from '../../drivers/mqtt/telemetryPayloads.js';

/** How long a command waits for its ack before the page says nobody answered. */
const ACK_TIMEOUT_MS = 4000;

export interface CommandSender {
  /** Publishes cmd/<name> to the selected rig; false when there is no connection (nothing is queued). */
  send(name: 'estop' | 'reset' | 'policy' | 'marker', body: Record<string, unknown>): boolean;
}

interface Pending {
  readonly what: string;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * E-stop, reset, markers and the tunable parameters, shown only when the selected rig
 * says commands are enabled (its `loop`). The page only publishes the existing commands
 * to the rig's command channel; the rig's governor decides, and the page shows the answer
 * (cmd/ack) for each by its id. Nothing is sent twice or retained.
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
    byId<HTMLFormElement>('marker-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.mark(e.target as HTMLFormElement);
    });
    byId<HTMLFormElement>('tune-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.tune(e.target as HTMLFormElement);
    });
  }

  /** The selected rig's loop state (null: none yet, or another rig chosen), and whether a command could reach it now. */
  loop(loop: LoopPayload | null, reach: 'ok' | 'rig offline' | 'no broker'): void {
    const enabled = loop !== null && loop.commands.enabled && reach === 'ok';
    this.enabled = enabled;
    (this.doc.getElementById('commands') as HTMLElement).hidden = !enabled;
    const readonly = this.field('readonly');
    readonly.hidden = enabled;
    readonly.textContent =
      loop === null
        ? 'Read-only: this rig publishes no loop state (an older neuroloop, or not started yet).'
        : !loop.commands.enabled
          ? 'Read-only: commands are disabled on this rig (telemetry.commands.enabled is false).'
          : reach === 'no broker'
            ? 'Commands unavailable: no connection to the broker (reconnecting). An e-stop cannot be sent from this page now.'
            : 'Read-only: the rig is not running.';
    if (loop === null) return;
    const tunableKey = JSON.stringify(loop.commands.tunable);
    if (tunableKey !== this.tunableKey) {
      this.tunableKey = tunableKey;
      this.renderTunables(loop.commands.tunable);
    }
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
    if (ack.id === null) return;
    const p = this.pending.get(ack.id);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.pending.delete(ack.id);
    const text = ack.ok ? `${p.what}: confirmed by the rig (t ${ack.t_s.toFixed(1)} s)${ack.warning ? `; ${ack.warning}` : ''}` : `${p.what}: refused by the rig: ${ack.error ?? 'no reason given'}`;
    this.say(text, ack.ok ? 'ok' : 'refused');
  }

  private estop(reason: string): void {
    this.send('estop', { reason }, 'E-STOP');
  }

  private send(name: 'estop' | 'reset' | 'policy' | 'marker', body: Record<string, unknown>, what: string): void {
    const id = `dash-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    if (!this.sender.send(name, { id, ...body })) {
      this.say(`${what}: NOT SENT, no connection to the broker`, 'refused');
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.say(`${what}: no answer from the rig within ${ACK_TIMEOUT_MS / 1000} s (rig away, or this user may not write cmd/ on the broker)`, 'refused');
    }, ACK_TIMEOUT_MS);
    this.pending.set(id, { what, timer });
    this.say(`${what}: sent, waiting for the rig...`, '');
  }

  private mark(form: HTMLFormElement): void {
    const value = (name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value ?? '').trim();
    const body: Record<string, unknown> = {};
    if (value('text') !== '') body.text = value('text');
    const medication = ['drug', 'dose', 'unit', 'route'].map(value);
    if (medication.some((m) => m !== '')) {
      body.medication = { drug: medication[0], dose: Number(medication[1]), unit: medication[2], route: medication[3] };
    }
    if (value('state') !== '') body.state = value('state');
    if (Object.keys(body).length === 0) {
      this.say('Marker: nothing to mark (text, a medication or a state)', 'refused');
      return;
    }
    this.send('marker', body, 'Marker');
    form.reset();
  }

  private tune(form: HTMLFormElement): void {
    const params: Record<string, number> = {};
    for (const input of form.querySelectorAll<HTMLInputElement>('input[data-param]')) {
      if (input.value === '' || input.value === input.defaultValue) continue;
      const v = Number(input.value);
      const min = Number(input.min);
      const max = Number(input.max);
      if (!Number.isFinite(v) || v < min || v > max) {
        this.say(`${input.dataset.param}: ${input.value} is outside [${min}, ${max}]`, 'refused');
        return;
      }
      params[input.dataset.param ?? ''] = v;
    }
    if (Object.keys(params).length === 0) {
      this.say('Policy: nothing changed', 'refused');
      return;
    }
    this.send('policy', { params }, `Policy ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }

  private renderTunables(tunable: LoopPayload['commands']['tunable']): void {
    const host = this.doc.getElementById('tunables') as HTMLElement;
    const names = Object.keys(tunable);
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
        if (t.value !== null) input.defaultValue = String(t.value);
        label.append(`${name} [${t.min}, ${t.max}] `, input);
        return label;
      }),
    );
  }

  private say(text: string, kind: '' | 'ok' | 'refused'): void {
    const ack = this.field('ack');
    ack.textContent = text;
    ack.className = `ack ${kind}`;
  }

  private field(name: string): HTMLElement {
    return this.doc.querySelector(`[data-field="${name}"]`) as HTMLElement;
  }
}
