import { pino, type Logger } from 'pino';
import type { LoggingConfig } from '../config/schema.js';

/** JSON log lines through pino: to `logging.file` when set, else to stderr. */
export function createLogger(config: LoggingConfig): Logger {
  const destination = config.file ? pino.destination({ dest: config.file, mkdir: true, sync: false }) : pino.destination(2);
  return pino({ level: config.level, base: { app: 'neuroloop' } }, destination);
}
