#!/usr/bin/env node
// What `npm test` needs that npm cannot bring: the MQTT suites spawn a real mosquitto
// broker (and mosquitto_passwd for the password-file case), and make a TLS CA with openssl.
// Runs as `pretest`, before anything slow: when a tool is missing it installs the Debian
// packages if it can (root with apt-get, as in CI), else it stops at once naming the one
// command to run. Nothing is skipped: a suite without its broker would prove nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Tool -> the Debian package that brings it. */
const TOOLS = { mosquitto: 'mosquitto', mosquitto_passwd: 'mosquitto', openssl: 'openssl' };

// Debian puts mosquitto in /usr/sbin, which is not on an ordinary user's PATH; the test
// helpers look in the same places (test/helpers/systemTool.ts).
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function searchDirs() {
  // A test of this script points it at a folder of its own choosing.
  const override = process.env.NEUROLOOP_TOOL_PATH;
  if (override !== undefined) return override.split(delimiter).filter(Boolean);
  return [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
}

function find(tool) {
  for (const dir of searchDirs()) {
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const missingTools = () => Object.keys(TOOLS).filter((tool) => find(tool) === null);

let missing = missingTools();
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((tool) => TOOLS[tool]))];
const command = `apt-get install -y ${packages.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = find('apt-get') !== null || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (isRoot && hasApt && process.env.NEUROLOOP_TOOL_PATH === undefined) {
  process.stderr.write(`npm test: ${missing.join(', ')} not found; installing the Debian package${packages.length > 1 ? 's' : ''} ${packages.join(' ')} (about a minute)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (!run(['update', '-qq']) || !run(['install', '-y', '-qq', '--no-install-recommends', ...packages])) {
    process.stderr.write(`npm test: the install failed; run it by hand and try again:\n  ${command}\n`);
    process.exit(1);
  }
  // The package may start a system broker on 1883; the tests start their own on free ports.
  spawnSync('sh', ['-c', 'service mosquitto stop'], { stdio: 'ignore' });
  missing = missingTools();
  if (missing.length === 0) process.exit(0);
  process.stderr.write(`npm test: still missing after the install: ${missing.join(', ')}\n`);
  process.exit(1);
}

process.stderr.write(
  `npm test: the MQTT test suites need ${missing.join(', ')}, which npm cannot install.\n` +
    `Install ${packages.length > 1 ? 'them' : 'it'} with:\n  ${isRoot ? '' : 'sudo '}${command}\n` +
    `(elsewhere than Debian/Ubuntu: the ${packages.join(' and ')} package${packages.length > 1 ? 's' : ''} of your system, e.g. brew install ${packages.join(' ')})\n`,
);
process.exit(1);
