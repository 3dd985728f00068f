import { lstatSync, readlinkSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputClosedError } from './outputClosedError.js';

/** Temporary files being written right now, so that a signal handler can remove them. */
const liveTemporaries = new Set<string>();

/** Bytes gathered before a write: few large writes, bounded memory. */
const CHUNK_CHARS = 1 << 16;

/**
 * Text output of a command that ends (features, sim, a run's summary).
 *
 * To a file: written to a temporary file beside it and renamed over it on `commit`, removed
 * on `abort` (and by `removeTemporariesNow` on a signal), so the file appears whole or not
 * at all and a failed command leaves the previous file as it was. A FIFO or a device
 * (/dev/null) is written directly: it cannot be renamed over.
 *
 * To stdout (`-`): streamed in chunks, waiting for 'drain' when the reader is slower, so
 * memory stays bounded however long the output. A reader that goes away (`| head`) ends the
 * command with OutputClosedError. What was streamed before a failure stays printed: the
 * exit code tells the reader.
 */
export class AtomicTextOutput {
  private readonly target: string;
  private handle: FileHandle | null = null;
  private tempPath: string | null = null;
  private pending: string[] = [];
  private pendingLength = 0;
  private stdoutError: NodeJS.ErrnoException | null = null;
  private readonly onStdoutError = (error: NodeJS.ErrnoException): void => {
    this.stdoutError = error;
  };

  private constructor(target: string) {
    this.target = target;
  }

  static async create(given: string): Promise<AtomicTextOutput> {
    // Through a symbolic link: the file it points to is the output (renaming over the
    // link itself would replace the link and leave its target as it was).
    const target = given === '-' || isSpecialFile(given) ? given : linkTarget(given);
    const out = new AtomicTextOutput(target);
    if (target === '-') {
      process.stdout.on('error', out.onStdoutError);
      return out;
    }
    if (isSpecialFile(target)) {
      out.handle = await open(target, 'w');
      return out;
    }
    const tempPath = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
    liveTemporaries.add(tempPath);
    try {
      out.handle = await open(tempPath, 'w');
    } catch (error) {
      liveTemporaries.delete(tempPath);
      throw error;
    }
    out.tempPath = tempPath;
    return out;
  }

  /** Runs `body` against a fresh output; commits if it returns, aborts and rethrows if it throws. */
  static async writeWith(target: string, body: (out: AtomicTextOutput) => Promise<void>): Promise<void> {
    const out = await AtomicTextOutput.create(target);
    try {
      await body(out);
    } catch (error) {
      await out.abort();
      throw error;
    }
    await out.commit();
  }

  /**
   * Removes every temporary file still being written, synchronously: for a SIGINT or
   * SIGTERM handler that exits right after.
   */
  static removeTemporariesNow(): void {
    for (const path of liveTemporaries) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone (committed or aborted meanwhile): nothing to clean.
      }
    }
    liveTemporaries.clear();
  }

  get toStdout(): boolean {
    return this.target === '-';
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (this.toStdout) await this.writeStdout(chunk);
    else if (this.handle !== null) await writeAll(this.handle, Buffer.from(chunk, 'utf8'));
  }

  private async writeStdout(chunk: string): Promise<void> {
    this.throwIfStdoutClosed();
    if (process.stdout.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('error', done);
      process.stdout.on('close', done);
    });
    this.throwIfStdoutClosed();
  }

  private throwIfStdoutClosed(): void {
    const error = this.stdoutError;
    if (error === null) return;
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') throw new OutputClosedError();
    throw error;
  }

  async commit(): Promise<void> {
    await this.flush();
    if (this.toStdout) {
      // Wait until what was written has left the process, then stop listening.
      await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      process.stdout.off('error', this.onStdoutError);
      this.throwIfStdoutClosed();
      return;
    }
    await this.handle?.close();
    this.handle = null;
    if (this.tempPath !== null) {
      await rename(this.tempPath, this.target);
      liveTemporaries.delete(this.tempPath);
    }
  }

  async abort(): Promise<void> {
    this.pending = [];
    this.pendingLength = 0;
    if (this.toStdout) process.stdout.off('error', this.onStdoutError);
    if (this.handle !== null) {
      await this.handle.close().catch(() => undefined);
      this.handle = null;
    }
    if (this.tempPath !== null) {
      await unlink(this.tempPath).catch(() => undefined);
      liveTemporaries.delete(this.tempPath);
    }
  }
}

/**
 * Every byte, or an error: a write may take fewer bytes than given (a full disk takes
 * what fits); the rest is written again, and a disk that takes nothing more fails with
 * ENOSPC on the next try. A short output is never committed as if whole.
 */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device (a write took no bytes)'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
}

/** The path a symbolic link leads to (followed to the end; a dangling link: where it points), else the path itself. */
function linkTarget(path: string): string {
  try {
    if (!lstatSync(path).isSymbolicLink()) return path;
  } catch {
    return path;
  }
  try {
    return realpathSync(path);
  } catch {
    return resolve(dirname(path), readlinkSync(path));
  }
}

/** A FIFO or a device: written in place, never renamed over. */
function isSpecialFile(path: string): boolean {
  try {
    const stats = statSync(path);
    return !stats.isFile();
  } catch {
    return false;
  }
}
