import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.js';
import { systemTool } from '../helpers/systemTool.js';

// The pretest step on a machine without the tests' tools: it must stop at once (not after
// minutes of failing suites) and name the one command that installs what is missing.
const SCRIPT = join(REPO, 'scripts/test-prerequisites.mjs');

function runScript(toolPath: string): { status: number | null; stderr: string } {
  // As an ordinary user: root with apt-get would install instead of asking.
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const argv = [...asUser, process.execPath, SCRIPT];
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, NEUROLOOP_TOOL_PATH: toolPath }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

function worldReadableDir(): string {
  const dir = tempDir('neuroloop-tools-');
  spawnSync('chmod', ['755', dir]);
  return dir;
}

/** The real things the script looks for, by the base name it looks for in a test's folder. */
const REAL: Record<string, () => string> = {
  mosquitto: () => systemTool('mosquitto'),
  mosquitto_passwd: () => systemTool('mosquitto_passwd'),
  openssl: () => systemTool('openssl'),
  gcc: () => systemTool('gcc'),
  save2gdf: () => systemTool('save2gdf'),
  'edflib.h': () => '/usr/include/edflib.h',
  python3: () => '/usr/bin/python3',
  chromium: () => '/usr/bin/chromium',
};

/** A folder holding links to the real things named (and nothing else). */
function folderWith(names: readonly string[]): string {
  const dir = worldReadableDir();
  mkdirSync(join(dir, 'bin'));
  for (const name of names) symlinkSync(REAL[name](), join(dir, 'bin', name));
  return join(dir, 'bin');
}

describe('pretest: what npm cannot bring', () => {
  it('with nothing installed, stops with the one apt-get command naming every package', () => {
    const r = runScript(worldReadableDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install -y mosquitto openssl gcc biosig-tools libedf-dev python3-mne chromium\n');
    expect(r.stderr).toContain('mosquitto, mosquitto_passwd, openssl, gcc, save2gdf, /usr/include/edflib.h, /usr/bin/python3 with mne, /usr/bin/chromium');
  });

  it('names only what is missing', () => {
    const r = runScript(folderWith(Object.keys(REAL).filter((name) => !name.startsWith('mosquitto'))));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install -y mosquitto\n');
    expect(r.stderr).not.toContain('openssl,');
  });

  it('checks the EDFlib header as a file, not as a tool on PATH', () => {
    const r = runScript(folderWith(Object.keys(REAL).filter((name) => name !== 'edflib.h')));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('need /usr/include/edflib.h,');
    expect(r.stderr).toContain('apt-get install -y libedf-dev\n');
  });

  it('asks for python3-mne when the python3 it uses cannot import mne', () => {
    const dir = folderWith(Object.keys(REAL).filter((name) => name !== 'python3'));
    // A python3 whose every import fails: what a python without mne answers to `import mne`.
    writeFileSync(join(dir, 'python3'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const r = runScript(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('need /usr/bin/python3 with mne,');
    expect(r.stderr).toContain('apt-get install -y python3-mne\n');
  });

  it('passes quietly when everything is there', () => {
    const r = runScript(folderWith(Object.keys(REAL)));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
