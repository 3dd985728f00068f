import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * For commands that write a file and end (features, sim): SIGINT or SIGTERM abandons the
 * work. The temporary file is removed, the previous output stays as it was, and the
 * process exits 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals.
 */
export function abandonOnSignal(command: string): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      AtomicTextOutput.removeTemporariesNow();
      process.stderr.write(`\nneuroloop: ${command} interrupted by ${signal}; nothing written\n`);
      process.exit(EXIT_CODES[signal]);
    });
  }
}
