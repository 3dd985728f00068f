/**
 * The reader of stdout went away (`neuroloop sim ... | head`): not a failure of the
 * command. The CLI stops quietly with exit 0, as the reader asked for no more.
 */
export class OutputClosedError extends Error {
  constructor() {
    super('stdout was closed by its reader');
    this.name = 'OutputClosedError';
  }
}
