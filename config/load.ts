import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { type Config, configSchema } from './schema.js';
import { ConfigError, formatIssues } from './problems.js';

/** Validates a parsed config object; throws ConfigError listing every problem by path. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, formatIssues(result.error.issues));
  return result.data;
}

/** Parses YAML or JSON text (JSON is YAML 1.2), reporting syntax errors by line and column. */
export function parseConfigText(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const at = e.pos ? lineCounter.linePos(e.pos[0]) : null;
        return `${at ? `line ${at.line}, column ${at.col}` : 'syntax'}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ConfigError(source, ['(top level): expected a mapping of sections (rig, source, signals, ...)']);
  }
  return doc.toJS() as unknown;
}

/** Reads, parses and validates a config file (.yaml, .yml or .json). */
export function loadConfigFile(path: string): Config {
  return parseConfig(readConfigFile(path), path);
}

/** Reads and parses a config file without validating it (overrides come next). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`]);
  }
  return parseConfigText(text, path);
}
