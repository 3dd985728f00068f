import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.js';
import { systemTool } from '../helpers/systemTool.js';

// The pretest step on a machine without mosquitto: it must stop at once (not after minutes
// of failing suites) and name the one command that installs what is missing.
const SCRIPT = join(REPO, 'scripts/test-prerequisites.mjs');

function runScript(toolPath: string): { status: number | null; stderr: string } {
  // As an ordinary user: root with apt-get would install instead of asking.
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const argv = [...asUser, process.execPath, SCRIPT];
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, NEUROLOOP_TOOL_PATH: toolPath }, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

function worldReadableDir(): string {
  const dir = tempDir('neuroloop-tools-');
  spawnSync('chmod', ['755', dir]);
  return dir;
}

describe('pretest: what npm cannot bring', () => {
  it('with nothing installed, stops with the one apt-get command naming both packages', () => {
    const empty = worldReadableDir();
    const r = runScript(empty);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install -y mosquitto openssl');
    expect(r.stderr).toContain('mosquitto, mosquitto_passwd, openssl');
  });

  it('names only what is missing', () => {
    const dir = worldReadableDir();
    symlinkSync(systemTool('openssl'), join(dir, 'openssl'));
    const r = runScript(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt-get install -y mosquitto\n');
    expect(r.stderr).not.toContain('openssl,');
  });

  it('passes quietly when every tool is there', () => {
    const dir = worldReadableDir();
    mkdirSync(join(dir, 'bin'));
    for (const tool of ['mosquitto', 'mosquitto_passwd', 'openssl']) symlinkSync(systemTool(tool), join(dir, 'bin', tool));
    const r = runScript(join(dir, 'bin'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
