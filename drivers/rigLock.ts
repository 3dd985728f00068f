import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/**
 * One session at a time on a rig: a lock file beside the course ledger, held from before the
 * course limits are checked until the session's end is in the ledger (so two sessions
 * started at once cannot both pass the check).
 *
 * How: the holder's details (pid, boot id, host, since, a random token) are written and
 * fsynced to a private temporary file, which is then hard-linked to the lock's name. link()
 * fails with EEXIST if the name exists, atomically, like O_EXCL, and the lock is never seen
 * empty or half-written (an O_EXCL file is, between its creation and its write, and after a
 * power loss that kept the name but not the data).
 *
 * A lock whose holder is gone is stale and taken over: its pid is not running (kill(pid, 0)
 * says ESRCH), or it was taken before the last reboot (another boot id: after a power cut
 * on a small board the same pid is often running again, as something else). A lock from
 * another host (a shared folder) is never judged: it is held. Taking over renames the stale
 * file aside first and checks that what was moved is the stale lock (its token); if a
 * third process had taken the lock meanwhile, its file is put back and the rig is busy.
 *
 * A lock that cannot be read is held, with a message saying to remove it by hand if no
 * session runs: a safety lock that decides by guessing would not be one.
 */

/** The lock of the ledger at `ledgerPath`: beside it, so one rig's ledger has one lock. */
export function courseLockPath(ledgerPath: string): string {
  return `${ledgerPath}.lock`;
}

export interface LockHolder {
  readonly pid: number;
  readonly bootId: string | null;
  readonly host: string;
  readonly since: string;
  readonly token: string;
}

/** Another live process holds the lock (or the lock cannot be judged). */
export class RigLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockHolder | null,
    message: string,
  ) {
    super(message);
    this.name = 'RigLockedError';
  }
}

/** The lock could not be created at all (no folder, no permission, no hard links). */
export class RigLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RigLockError';
  }
}

export interface RigLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Why a stale lock was taken over to get this one (for the log), else null. */
  readonly tookOver: string | null;
  /** Removes the lock if it is still this one's; safe to call twice. */
  release(): void;
}

/** What the lock needs to know about this process and others; replaced in tests. */
export interface LockSystem {
  readonly pid: number;
  readonly bootId: string | null;
  readonly host: string;
  now(): Date;
  isAlive(pid: number): boolean;
}

export const processLockSystem: LockSystem = {
  pid: process.pid,
  bootId: readBootId(),
  host: hostname(),
  now: () => new Date(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists, owned by someone else.
      return (error as NodeJS.ErrnoException).code !== 'ESRCH';
    }
  },
};

function readBootId(): string | null {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

/** Takes the rig lock at `path` or throws RigLockedError naming the holder's pid and the path. */
export function acquireRigLock(path: string, system: LockSystem = processLockSystem): RigLock {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  } catch (error) {
    throw new RigLockError(`${path}: cannot create the rig lock's folder (${codeOf(error)})`);
  }
  const holder: LockHolder = { pid: system.pid, bootId: system.bootId, host: system.host, since: system.now().toISOString(), token: randomBytes(12).toString('hex') };
  const temporary = `${path}.${system.pid}.${holder.token}.tmp`;
  writeDurably(temporary, `${JSON.stringify(holder)}\n`);
  let tookOver: string | null = null;
  try {
    // A few rounds: each failed round removed a stale lock or lost a race to a live one.
    for (let round = 0; round < 5; round++) {
      try {
        linkSync(temporary, path);
        return lockHandle(path, holder, tookOver);
      } catch (error) {
        const code = codeOf(error);
        if (code !== 'EEXIST') {
          throw new RigLockError(`${path}: cannot create the rig lock (${code}${code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' ? ': this filesystem has no hard links; keep the course ledger on a Linux filesystem' : ''})`);
        }
      }
      const found = readHolder(path);
      if (found === 'gone') continue;
      if (typeof found === 'string') {
        throw new RigLockedError(path, null, `rig lock ${path} exists but cannot be read (${found}); if no neuroloop session is running on this rig, remove the file and start again`);
      }
      const why = staleBecause(found, system);
      if (why === null) throw new RigLockedError(path, found, heldMessage(path, found, system));
      takeOverStale(path, found);
      tookOver = `the stale lock of process ${found.pid} (since ${found.since}; ${why}) was removed`;
    }
    throw new RigLockedError(path, null, `rig lock ${path}: other processes keep taking it; try again`);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Already gone.
    }
  }
}

function heldMessage(path: string, holder: LockHolder, system: LockSystem): string {
  if (holder.host !== system.host) {
    return `rig lock ${path} is held by process ${holder.pid} on host ${holder.host} (since ${holder.since}): a session on another machine uses this rig's ledger; if none is running, remove the file`;
  }
  if (holder.pid === system.pid) return `rig lock ${path} is already held by this process (${holder.pid}, since ${holder.since}): one session at a time`;
  return `rig lock ${path} is held by process ${holder.pid} (since ${holder.since}): another session is running on this rig; wait for it to end, or stop it`;
}

/** Why the holder is gone, or null if it may still be running. */
function staleBecause(holder: LockHolder, system: LockSystem): string | null {
  if (holder.host !== system.host) return null;
  if (holder.bootId !== null && system.bootId !== null && holder.bootId !== system.bootId) return 'taken before the last reboot';
  if (holder.pid === system.pid) return null;
  return system.isAlive(holder.pid) ? null : `process ${holder.pid} is not running`;
}

/**
 * Removes the stale lock `stale`, and only it: renamed aside, then checked by token; a fresh
 * lock that another process created meanwhile is linked back under the name.
 */
function takeOverStale(path: string, stale: LockHolder): void {
  const aside = `${path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw new RigLockError(`${path}: cannot remove the stale rig lock of process ${stale.pid} (${codeOf(error)})`);
  }
  const moved = readHolder(aside);
  if (typeof moved === 'object' && moved.token === stale.token) {
    unlinkSync(aside);
    return;
  }
  // Not the stale lock any more: put it back (if yet another lock took the name, that one holds).
  try {
    linkSync(aside, path);
  } catch {
    // EEXIST: the name is held by a newer lock; the next round reports it.
  }
  unlinkSync(aside);
}

/** The holder, 'gone' if there is no lock, or why it cannot be read. */
function readHolder(path: string): LockHolder | 'gone' | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return codeOf(error) === 'ENOENT' ? 'gone' : codeOf(error);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isHolder(value)) return value;
  } catch {
    // Falls through to the message below.
  }
  return `not a neuroloop rig lock: ${JSON.stringify(text.slice(0, 80))}`;
}

function isHolder(value: unknown): value is LockHolder {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.pid === 'number' &&
    Number.isInteger(v.pid) &&
    v.pid > 0 &&
    (v.bootId === null || typeof v.bootId === 'string') &&
    typeof v.host === 'string' &&
    typeof v.since === 'string' &&
    typeof v.token === 'string'
  );
}

function lockHandle(path: string, holder: LockHolder, tookOver: string | null): RigLock {
  let released = false;
  return {
    path,
    holder,
    tookOver,
    release: () => {
      if (released) return;
      released = true;
      const now = readHolder(path);
      // Only our own lock: one taken over after we were judged stale is not ours to remove.
      if (typeof now === 'object' && now.token === holder.token) {
        try {
          unlinkSync(path);
        } catch {
          // Gone meanwhile.
        }
      }
    },
  };
}

function writeDurably(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o640);
  } catch (error) {
    throw new RigLockError(`${path}: cannot write the rig lock (${codeOf(error)})`);
  }
  try {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // Nothing to clean.
    }
    throw new RigLockError(`${path}: cannot write the rig lock (${codeOf(error)})`);
  }
  closeSync(fd);
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
