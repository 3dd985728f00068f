import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Appends JSON lines to a file, flushing at least every `flushEvery_ms` of the caller's
 * clock (data time) or 64 KiB, so a crash loses at most about that much. Synchronous
 * writes: a trace line is small and its order must never change.
 */
export class NdjsonWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private lastFlush_ms = Number.NEGATIVE_INFINITY;

  constructor(readonly path: string, private readonly flushEvery_ms = 1000) {
    this.fd = openSync(path, 'w');
  }

  /** `JSON.stringify` turns NaN and Infinity into null, which is what the trace wants. */
  write(record: unknown, now_ms: number): void {
    const line = `${JSON.stringify(record)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= 1 << 16 || now_ms - this.lastFlush_ms >= this.flushEvery_ms) {
      this.flush();
      this.lastFlush_ms = now_ms;
    }
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
