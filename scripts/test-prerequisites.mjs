#!/usr/bin/env node
// What `npm test` needs that npm cannot bring: the MQTT suites spawn a real mosquitto
// broker (and mosquitto_passwd for the password-file case) and make a TLS CA with openssl;
// the EDF cross-checks compile a writer against EDFlib with gcc, convert files with
// biosig's save2gdf and read them with MNE (Debian's python3-mne, under /usr/bin/python3:
// the first python3 on PATH may be another one); the report's browser tests drive
// /usr/bin/chromium.
// Runs as `pretest`, before anything slow: when something is missing it installs the
// Debian packages if it can (root with apt-get, as in CI), else it stops at once naming
// the one command to run. Nothing is skipped: a suite without its tools would prove nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What the tests need, each with the Debian package that brings it and how to tell it is
 * there: `tool` (an executable found on PATH or in sbin), `file` (an absolute path; a
 * header is not a tool), `python` (a module importable by a given interpreter).
 */
const TOOLS = [
  { name: 'mosquitto', package: 'mosquitto', kind: 'tool' },
  { name: 'mosquitto_passwd', package: 'mosquitto', kind: 'tool' },
  { name: 'openssl', package: 'openssl', kind: 'tool' },
  { name: 'gcc', package: 'gcc', kind: 'tool' },
  { name: 'save2gdf', package: 'biosig-tools', kind: 'tool' },
  { name: '/usr/include/edflib.h', package: 'libedf-dev', kind: 'file' },
  { name: '/usr/bin/python3 with mne', package: 'python3-mne', kind: 'python', python: '/usr/bin/python3', module: 'mne' },
  { name: '/usr/bin/chromium', package: 'chromium', kind: 'file', executable: true },
];

// Debian puts mosquitto in /usr/sbin, which is not on an ordinary user's PATH; the test
// helpers look in the same places (test/helpers/systemTool.ts).
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

// A test of this script points it at a folder of its own choosing: every check then looks
// only there (a tool, a file or a python3 by its base name).
const override = process.env.NEUROLOOP_TOOL_PATH;

function searchDirs() {
  if (override !== undefined) return override.split(delimiter).filter(Boolean);
  return [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
}

function accessible(path, mode) {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function find(tool, mode = constants.X_OK) {
  for (const dir of searchDirs()) {
    const candidate = join(dir, tool);
    if (accessible(candidate, mode)) return candidate;
  }
  return null;
}

/** Where a path-named need is looked for: the path itself, or its base name in the test's folder. */
function located(path, mode) {
  if (override === undefined) return accessible(path, mode) ? path : null;
  return find(path.split('/').pop(), mode);
}

function present(need) {
  switch (need.kind) {
    case 'tool':
      return find(need.name) !== null;
    case 'file':
      return located(need.name, need.executable ? constants.X_OK : constants.R_OK) !== null;
    case 'python': {
      const python = located(need.python, constants.X_OK);
      return python !== null && spawnSync(python, ['-c', `import ${need.module}`], { stdio: 'ignore', timeout: 60_000 }).status === 0;
    }
    default:
      throw new Error(`test-prerequisites: unknown kind ${need.kind}`);
  }
}

const missingNeeds = () => TOOLS.filter((need) => !present(need));

let missing = missingNeeds();
if (missing.length === 0) process.exit(0);

const names = (needs) => needs.map((need) => need.name).join(', ');
const packages = [...new Set(missing.map((need) => need.package))];
const command = `apt-get install -y ${packages.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = find('apt-get') !== null || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (isRoot && hasApt && override === undefined) {
  process.stderr.write(`npm test: ${names(missing)} not found; installing the Debian package${packages.length > 1 ? 's' : ''} ${packages.join(' ')} (a minute or more)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (!run(['update', '-qq']) || !run(['install', '-y', '-qq', '--no-install-recommends', ...packages])) {
    process.stderr.write(`npm test: the install failed; run it by hand and try again:\n  ${command}\n`);
    process.exit(1);
  }
  // The package may start a system broker on 1883; the tests start their own on free ports.
  spawnSync('sh', ['-c', 'service mosquitto stop'], { stdio: 'ignore' });
  missing = missingNeeds();
  if (missing.length === 0) process.exit(0);
  process.stderr.write(`npm test: still missing after the install: ${names(missing)}\n`);
  process.exit(1);
}

process.stderr.write(
  `npm test: the test suites need ${names(missing)}, which npm cannot install.\n` +
    `Install ${missing.length > 1 ? 'them' : 'it'} with:\n  ${isRoot ? '' : 'sudo '}${command}\n` +
    `(elsewhere than Debian/Ubuntu: the ${packages.join(' and ')} package${packages.length > 1 ? 's' : ''} of your system or their equivalents)\n`,
);
process.exit(1);
