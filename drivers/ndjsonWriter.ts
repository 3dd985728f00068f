import { closeSync, openSync, writeSync } from 'node:fs';
import { OutputWriteError } from './outputWriteError.js';

/**
 * Appends JSON lines to a file, written under its final name so that it can be read while
 * the program runs and after a crash. Lines are flushed whole, at least every
 * `flushEvery_ms` of the caller's clock (data time, which runs far ahead of the host clock
 * at --speed max) AND of host time (a timer, for a live source that goes quiet), or every
 * 64 KiB: a SIGKILL loses at most about a second and never leaves half a line. Synchronous
 * writes: a line is small and the order must never change.
 */
export class NdjsonWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private lastFlush_ms = Number.NEGATIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** The write error that stopped this writer (a full disk): later lines are dropped. */
  private failure: Error | null = null;

  constructor(readonly path: string, private readonly flushEvery_ms = 1000) {
    this.fd = openSync(path, 'w');
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch {
        // Recorded in `failed`; the next write from the caller reports it.
      }
    }, flushEvery_ms);
    // The timer alone must not keep the process alive.
    this.timer.unref();
  }

  /** `JSON.stringify` turns NaN and Infinity into null, which is what the trace wants. */
  write(record: unknown, now_ms: number): void {
    this.appendLine(JSON.stringify(record), now_ms);
  }

  /** A line of text as it is (CSV rows share the writer's flushing). After a write error, lines are dropped. */
  appendLine(text: string, now_ms: number): void {
    if (this.failure !== null) return;
    this.pending.push(`${text}\n`);
    this.pendingBytes += text.length + 1;
    if (this.pendingBytes >= 1 << 16 || now_ms - this.lastFlush_ms >= this.flushEvery_ms) {
      this.flush();
      this.lastFlush_ms = now_ms;
    }
  }

  /** A line that must be on disk at once (a header, the last line). */
  writeNow(record: unknown): void {
    this.pending.push(`${JSON.stringify(record)}\n`);
    this.flush();
  }

  /** The error that stopped the writer, if one did. */
  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Writes what is pending, all of it (a write that takes only part is continued). A
   * failure (ENOSPC) is thrown once, naming the file; the writer then drops what comes, so
   * memory does not grow, and the caller decides what the session does about it.
   */
  flush(): void {
    if (this.closed || this.failure !== null || this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.failure = new OutputWriteError(`${this.path}: could not be written (${code === 'ENOSPC' ? 'no space left on the device' : ((error as Error).message ?? code)})`);
      throw this.failure;
    }
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    try {
      this.flush();
    } catch {
      // Already recorded in `failed` for the caller.
    }
    this.closed = true;
    closeSync(this.fd);
  }
}
