import { closeSync, openSync, readSync } from 'node:fs';
import { keyProblems } from './forbiddenKeys.js';
import { type Config, configSchema } from './schema.js';
import { ConfigError, formatIssues } from './problems.js';
import { parseYamlText } from './yamlText.js';

/** The largest config file read: real ones are a few kB; anything near this is not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Validates a parsed config object; throws ConfigError listing every problem by path. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  // Checked before zod sees the object: zod drops a `__proto__` record key silently, and
  // a key it does not know only becomes "unknown key" when the section is strict.
  const keys = keyProblems(raw);
  if (keys.length > 0) throw new ConfigError(source, keys);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, formatIssues(result.error.issues));
  return result.data;
}

/** Parses YAML or JSON text (JSON is YAML 1.2), reporting syntax errors by line and column. */
export function parseConfigText(text: string, source: string): unknown {
  const parsed = parseYamlText(text);
  if (!parsed.ok) throw new ConfigError(source, parsed.problems);
  if (!parsed.empty && !parsed.isMapping) {
    throw new ConfigError(source, ['(top level): expected a mapping of sections (rig, source, signals, ...)']);
  }
  return parsed.value;
}

/** Reads, parses and validates a config file (.yaml, .yml or .json). */
export function loadConfigFile(path: string): Config {
  return parseConfig(readConfigFile(path), path);
}

/** Reads and parses a config file without validating it (overrides come next). */
export function readConfigFile(path: string): unknown {
  return parseConfigText(readBoundedText(path, MAX_CONFIG_BYTES), path);
}

/**
 * The file's text, refused past `maxBytes`. Read in chunks up to the cap rather than
 * trusting the size the file system reports: a FIFO or a device reports 0 and never ends.
 */
function readBoundedText(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ConfigError(path, [describeReadError(error)]);
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (error) {
        throw new ConfigError(path, [describeReadError(error)]);
      }
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw new ConfigError(path, [`larger than ${maxBytes} bytes: not read (a config file is a few kB)`]);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, not a config file';
  return `cannot read the file (${code ?? String(error)})`;
}
