import type { StatusPayload } from '../../drivers/mqtt/telemetryPayloads.js';

/** Rigs listed at most: a broker with more is a fleet for another tool; the page must stay small. */
const MAX_RIGS = 200;

interface RigEntry {
  state: StatusPayload['state'];
  final: string | undefined;
  amplitude_mA: number | null;
  /** The status came over the current connection to the broker. */
  fresh: boolean;
}

interface FleetRow {
  readonly item: HTMLLIElement;
  readonly button: HTMLButtonElement;
  readonly state: HTMLSpanElement;
  readonly output: HTMLDivElement;
}

/**
 * Every rig under the prefix, from the retained `+/status` (and `+/stim` for its output):
 * one button each, with its state; choosing one shows it. While the broker is away every
 * rig's state is unknown (shown as "no connection", its output as last known) until its
 * status comes again over the new connection.
 */
export class FleetList {
  private readonly rigs = new Map<string, RigEntry>();
  private readonly rows = new Map<string, FleetRow>();
  private selected: string | null = null;
  private dirty = false;
  /** Null while connected; else what every rig's state reads as. */
  private away: string | null = null;

  constructor(
    private readonly list: HTMLElement,
    private readonly onSelect: (rig: string) => void,
  ) {}

  status(rig: string, status: StatusPayload): void {
    const entry = this.entry(rig);
    if (entry === null) return;
    entry.state = status.state;
    entry.final = status.final;
    entry.fresh = true;
    this.dirty = true;
  }

  stim(rig: string, amplitude_mA: number, enabled: boolean): void {
    const entry = this.entry(rig);
    if (entry === null) return;
    entry.amplitude_mA = enabled ? amplitude_mA : 0;
    this.dirty = true;
  }

  select(rig: string): void {
    this.selected = rig;
    this.dirty = true;
  }

  /** The broker is away: nothing known about any rig is current. */
  connectionLost(text: string): void {
    this.away = text;
    for (const e of this.rigs.values()) e.fresh = false;
    this.dirty = true;
  }

  connectionBack(): void {
    this.away = null;
    this.dirty = true;
  }

  /** The first rig whose current status is not offline, in the list's order. */
  get firstOnline(): string | null {
    let found: string | null = null;
    for (const [rig, e] of this.rigs) if (e.fresh && e.state !== 'offline' && (found === null || rig.localeCompare(found) < 0)) found = rig;
    return found;
  }

  get first(): string | null {
    for (const [rig, e] of this.rigs) if (e.state !== 'offline') return rig;
    return this.rigs.keys().next().value ?? null;
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    // Rows are updated in place, never rebuilt: a button under the user's pointer stays the same button.
    for (const [rig, e] of this.rigs) {
      let row = this.rows.get(rig);
      if (row === undefined) {
        row = this.newRow(rig);
        this.rows.set(rig, row);
        const after = [...this.rows.keys()].filter((r) => r !== rig && r.localeCompare(rig) > 0).sort((a, b) => a.localeCompare(b))[0];
        const next = after === undefined ? null : (this.rows.get(after)?.item ?? null);
        this.list.querySelector('li.muted')?.remove();
        this.list.insertBefore(row.item, next);
      }
      const known = this.away === null && e.fresh;
      const stateText = ` ${this.away ?? (!e.fresh ? 'unknown (waiting for its status)' : e.state === 'offline' && e.final === undefined ? 'offline (last will)' : e.state)}`;
      if (row.state.textContent !== stateText) row.state.textContent = stateText;
      row.state.className = known ? `state-${e.state}` : 'state-unknown';
      // An output that is not live (no connection, or the rig offline) is the last one known.
      const live = known && e.state !== 'offline';
      const outputText = e.amplitude_mA === null ? '' : `${live ? '' : 'last known '}${e.amplitude_mA.toFixed(2)} mA`;
      if (row.output.textContent !== outputText) row.output.textContent = outputText;
      row.output.className = live ? 'muted' : 'muted stale';
      row.button.className = rig === this.selected ? 'selected' : '';
    }
  }

  private newRow(rig: string): FleetRow {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.rig = rig;
    const name = document.createElement('strong');
    name.textContent = rig;
    const state = document.createElement('span');
    const output = document.createElement('div');
    output.className = 'muted';
    button.append(name, state, output);
    button.addEventListener('click', () => this.onSelect(rig));
    item.append(button);
    return { item, button, state, output };
  }

  private entry(rig: string): RigEntry | null {
    let entry = this.rigs.get(rig);
    if (entry === undefined) {
      if (this.rigs.size >= MAX_RIGS) return null;
      entry = { state: 'offline', final: undefined, amplitude_mA: null, fresh: false };
      this.rigs.set(rig, entry);
    }
    return entry;
  }
}
