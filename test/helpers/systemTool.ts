import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian installs mosquitto in /usr/sbin, which is not on an ordinary user's PATH; look
// where scripts/test-prerequisites.mjs (the pretest step) looks, so that what it found is
// what the suites run.
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of a system tool the tests spawn (mosquitto, mosquitto_passwd, openssl). */
export function systemTool(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} not found on PATH or in ${SBIN.join(', ')}; npm test installs it when run as root (scripts/test-prerequisites.mjs)`);
}
