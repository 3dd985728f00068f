import { pino, type Logger } from 'pino';
import { wipeLiveLine } from './terminalLiveLine.js';
import type { LoggingConfig } from '../config/schema.js';

export type LogFormat = 'auto' | 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/**
 * Log lines through pino. To `logging.file` when set: JSON lines, appended (the path was
 * checked at start like every output, so no mkdir here). Else to stderr: readable lines
 * on a terminal (`auto`) or when asked (`pretty`), JSON lines otherwise, for log
 * collectors. pino-pretty runs as a stream in this process, not as a worker thread, and is
 * loaded only when used.
 */
export async function createLogger(config: LoggingConfig, format: LogFormat = 'auto'): Promise<Logger> {
  const options = { level: config.level, base: { app: 'neuroloop' } };
  if (config.file !== undefined) return pino(options, pino.destination({ dest: config.file, sync: false }));
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!pretty) return pino(options, pino.destination(2));
  const { default: prettyStream } = await import('pino-pretty');
  // On a terminal shared with the live line (stdout), each log line first wipes it.
  const sharedTerminal = process.stderr.isTTY === true && process.stdout.isTTY === true;
  return pino(
    sharedTerminal ? { ...options, hooks: { streamWrite: (line: string) => (wipeLiveLine(), line) } } : options,
    prettyStream({ destination: 2, sync: true, singleLine: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' }),
  );
}
