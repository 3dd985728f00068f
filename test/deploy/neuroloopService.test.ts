import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.js';

const UNIT_PATH = join(REPO, 'deploy/neuroloop.service');
const NEUROLOOP_BIN = '/usr/local/bin/neuroloop';

type Unit = Map<string, Map<string, string[]>>;

/**
 * A systemd unit file (systemd.syntax(7)): [Section] headers, Key=Value lines, comments
 * starting with # or ;, a trailing backslash continues a line. Throws on anything else.
 */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | null = null;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      if (unit.has(header[1])) throw new Error(`line ${i + 1}: section [${header[1]}] twice`);
      section = new Map();
      unit.set(header[1], section);
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!entry) throw new Error(`line ${i + 1}: not Key=Value: ${line}`);
    if (section === null) throw new Error(`line ${i + 1}: ${entry[1]} before any section`);
    const values = section.get(entry[1]) ?? [];
    values.push(entry[2].trim());
    section.set(entry[1], values);
  });
  return unit;
}

const one = (unit: Unit, section: string, key: string): string | undefined => unit.get(section)?.get(key)?.at(-1);

/** systemd time span in seconds ("60", "60s", "2min"). */
function seconds(span: string | undefined): number {
  const m = /^(\d+)\s*(s|sec|min|m)?$/.exec(span ?? '');
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === 'min' || m[2] === 'm' ? 60 : 1);
}

describe('deploy/neuroloop.service', () => {
  const text = readFileSync(UNIT_PATH, 'utf8');

  it('is well formed: [Unit], [Service], [Install], every line Key=Value', () => {
    const unit = parseUnit(text);
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(one(unit, 'Unit', 'Description')).toBeTruthy();
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('runs the rig config as a dedicated user in groups i2c and gpio', () => {
    const unit = parseUnit(text);
    expect(one(unit, 'Service', 'ExecStart')).toBe(`${NEUROLOOP_BIN} run --config /etc/neuroloop/rig.yaml`);
    expect(one(unit, 'Service', 'User')).toBe('neuroloop');
    // The young generation capped and two malloc arenas, as the memory bench runs it.
    expect(unit.get('Service')?.get('Environment')).toEqual(['"NODE_OPTIONS=--max-semi-space-size=4 --max-old-space-size=128"', 'MALLOC_ARENA_MAX=2']);
    expect(one(unit, 'Service', 'SupplementaryGroups')?.split(/\s+/).sort()).toEqual(['gpio', 'i2c']);
  });

  it('stops with SIGINT (the ramp-down) and waits long enough for it; restarts on failure, within a start limit, never after a bad config', () => {
    const unit = parseUnit(text);
    expect(one(unit, 'Service', 'KillSignal')).toBe('SIGINT');
    expect(seconds(one(unit, 'Service', 'TimeoutStopSec'))).toBeGreaterThanOrEqual(30);
    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(seconds(one(unit, 'Service', 'RestartSec'))).toBeGreaterThanOrEqual(5);
    expect(one(unit, 'Service', 'RestartPreventExitStatus')).toBe('2');
    // Start limits live in [Unit] (systemd 230 and later); in [Service] they are ignored.
    expect(Number(one(unit, 'Unit', 'StartLimitBurst'))).toBeGreaterThan(0);
    expect(seconds(one(unit, 'Unit', 'StartLimitIntervalSec'))).toBeGreaterThan(0);
  });

  it('hardening leaves /dev/i2c-*, /dev/gpiochip* and sysfs GPIO reachable', () => {
    const unit = parseUnit(text);
    const service = unit.get('Service') ?? new Map<string, string[]>();
    expect(service.get('PrivateDevices') ?? ['no']).not.toContain('yes');
    expect(service.get('ProtectKernelTunables') ?? ['no']).not.toContain('yes');
    expect(service.get('MemoryDenyWriteExecute') ?? ['no']).not.toContain('yes');
    if (one(unit, 'Service', 'DevicePolicy') === 'closed' || one(unit, 'Service', 'DevicePolicy') === 'strict') {
      expect(service.get('DeviceAllow')).toEqual(expect.arrayContaining(['char-i2c rw', 'char-gpiochip rw']));
    }
  });

  it('systemd-analyze verify accepts it, where systemd-analyze is installed (else the parse above is the check)', () => {
    const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      // No systemd on this machine: the structural checks above are all there is.
      expect(() => parseUnit(text)).not.toThrow();
      return;
    }
    // verify wants ExecStart's program to exist: a stand-in at another path, the rest byte for byte.
    const dir = tempDir('neuroloop-unit-');
    const bin = join(dir, 'neuroloop');
    writeFileSync(bin, '#!/bin/sh\nexit 0\n');
    chmodSync(bin, 0o755);
    expect(text).toContain(NEUROLOOP_BIN);
    writeFileSync(join(dir, 'neuroloop.service'), text.replaceAll(NEUROLOOP_BIN, bin));
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'neuroloop.service')], { encoding: 'utf8' });
    // Unknown keys and bad values are only warnings on stderr: any output fails the test.
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
