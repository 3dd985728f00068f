import { ConfigError, parseConfig } from '../../config/index.js';

/** The problems parseConfig names for `raw`, one per entry; [] when it parses. Any other error is thrown. */
export function configProblems(raw: unknown, file?: string): string[] {
  try {
    parseConfig(raw, file);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}
