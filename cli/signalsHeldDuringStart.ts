/**
 * Ctrl+C or SIGTERM while a session is still starting (telemetry connecting, a recording
 * being read, the course ledger's start record being fsynced) must not kill the process by
 * the signal's default action: that would leave a course ledger with a start and no end,
 * the rig lock behind, and a half-made recording. The signals are held from the first
 * moment and handed to the session's own handler once it is installed, which acts on
 * them at once (a stop before the first step; a second signal cuts).
 */
export class SignalsHeldDuringStart {
  private readonly pending: NodeJS.Signals[] = [];
  private holding = true;
  private readonly hold = (signal: NodeJS.Signals): void => {
    this.pending.push(signal);
  };

  constructor() {
    process.on('SIGINT', this.hold);
    process.on('SIGTERM', this.hold);
  }

  /** The session's handler is installed: stop holding, and give it what arrived meanwhile, in order. */
  handOver(handler: (signal: NodeJS.Signals) => void): void {
    this.release();
    for (const signal of this.pending.splice(0)) handler(signal);
  }

  /** The start failed or the session ended: stop holding (idempotent). */
  release(): void {
    if (!this.holding) return;
    this.holding = false;
    process.off('SIGINT', this.hold);
    process.off('SIGTERM', this.hold);
  }
}
