/**
 * An output that was checked writable at start could not be written after all (a full
 * disk, a device that refuses): the machine's problem, not the input's. The CLI says so on
 * one line and exits 1, without a stack trace.
 */
export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}
