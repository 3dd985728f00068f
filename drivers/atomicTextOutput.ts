import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Text output that appears whole or not at all. To a file: written to a temporary file
 * beside it and renamed over it on `commit`, removed on `abort`, so a failed command leaves
 * no partial file. To stdout (`-`): held in memory and printed on `commit`, for the same
 * reason. Writes are batched into large chunks.
 */
export class AtomicTextOutput {
  private readonly target: string;
  private handle: FileHandle | null = null;
  private readonly tempPath: string;
  private pending: string[] = [];
  private pendingLength = 0;
  private readonly held: string[] = [];

  private constructor(target: string) {
    this.target = target;
    this.tempPath = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  }

  static async create(target: string): Promise<AtomicTextOutput> {
    const out = new AtomicTextOutput(target);
    if (target !== '-') out.handle = await open(out.tempPath, 'w');
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

  get toStdout(): boolean {
    return this.target === '-';
  }

  async write(text: string): Promise<void> {
    if (this.toStdout) {
      this.held.push(text);
      return;
    }
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= 1 << 16) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.handle === null || this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    await this.handle.write(chunk);
  }

  async commit(): Promise<void> {
    if (this.toStdout) {
      const text = this.held.join('');
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
      return;
    }
    await this.flush();
    await this.handle?.close();
    this.handle = null;
    await rename(this.tempPath, this.target);
  }

  async abort(): Promise<void> {
    if (this.handle !== null) {
      await this.handle.close().catch(() => undefined);
      this.handle = null;
    }
    if (!this.toStdout) await unlink(this.tempPath).catch(() => undefined);
  }
}
