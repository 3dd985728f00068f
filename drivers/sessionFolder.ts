import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicTextOutput } from './atomicTextOutput.js';
import { InputError } from './inputError.js';

/** The files of a recorded session, by role. */
export const SESSION_FILES = {
  trace: 'trace.ndjson',
  features: 'features.csv',
  config: 'config.yaml',
  manifest: 'manifest.json',
} as const;

/**
 * One recorded session on disk: `DIR/<rig>-<start, UTC>/` (docs/design.md, Recording).
 * The folder is new (never an existing one: a second session in the same second gets a
 * suffix). The manifest is written at start saying the session has not closed, and
 * replaced (atomically) at a clean close with every file's size and sha256: a folder whose
 * manifest still says `"closedCleanly": false` was cut short (kill, power loss).
 */
export class SessionFolder {
  private constructor(readonly path: string) {}

  static create(root: string, rig: string, start: Date): SessionFolder {
    try {
      mkdirSync(root, { recursive: true });
    } catch (error) {
      throw new InputError(`--record ${root}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const stamp = start.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
    for (let n = 1; n < 1000; n++) {
      const path = join(root, `${rig}-${stamp}${n === 1 ? '' : `-${n}`}`);
      try {
        mkdirSync(path);
        return new SessionFolder(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        throw new InputError(`--record ${root}: cannot create a session folder in it (${code ?? String(error)})`);
      }
    }
    throw new InputError(`--record ${root}: 999 sessions of rig ${rig} started in the same second already`);
  }

  file(name: string): string {
    return join(this.path, name);
  }

  async writeManifest(manifest: object): Promise<void> {
    await AtomicTextOutput.writeWith(this.file(SESSION_FILES.manifest), (out) => out.write(`${JSON.stringify(manifest, null, 2)}\n`));
  }

  /** Size and sha256 of each file, read back from disk (what is there, not what was meant). */
  async digests(names: readonly string[]): Promise<Record<string, { bytes: number; sha256: string }>> {
    const out: Record<string, { bytes: number; sha256: string }> = {};
    for (const name of names) {
      const path = this.file(name);
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      out[name] = { bytes: statSync(path).size, sha256: hash.digest('hex') };
    }
    return out;
  }
}
