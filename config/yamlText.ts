import { type DocumentOptions, isMap, LineCounter, type ParseOptions, parseDocument, type SchemaOptions, type ToJSOptions } from 'yaml';
import { keyProblems } from './forbiddenKeys.js';

/**
 * How much aliasing a document may do: each alias counts once per node it expands, so a
 * "billion laughs" document (aliases of aliases) runs past this in a few steps and is
 * refused before it is expanded. A hand-written config uses a handful.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: false,
  uniqueKeys: true,
  // `<<` stays an ordinary key (and so an unknown one): merges would copy keys from
  // elsewhere in the file into a section, past the eye of whoever reads that section. A
  // `%YAML 1.1` document merges all the same; what it merges is checked like the rest,
  // since the checks run on the result.
  merge: false,
  // Nothing goes to the console: warnings are returned as problems below.
  logLevel: 'silent',
};
const TO_JS_OPTIONS: ToJSOptions = { maxAliasCount: MAX_YAML_ALIAS_COUNT };

/** `isMapping`: the top level is a mapping; `empty`: there is no content at all. */
export type YamlValue =
  | { readonly ok: true; readonly value: unknown; readonly isMapping: boolean; readonly empty: boolean }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * YAML (or JSON, which is YAML 1.2) text to a plain value, or the reasons it cannot be one,
 * each on one line: syntax errors and warnings by line and column, alias bombs, nesting
 * too deep to walk, forbidden keys at any depth (named by path below `at`).
 */
export function parseYamlText(text: string, at: readonly PropertyKey[] = []): YamlValue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  // Warnings too: an unknown tag (`!!js/function`) or directive would otherwise be
  // dropped silently and the text under it read as a plain string.
  const trouble = [...doc.errors, ...doc.warnings];
  if (trouble.length > 0) {
    return {
      ok: false,
      problems: trouble.map((e) => {
        const pos = e.pos ? lineCounter.linePos(e.pos[0]) : null;
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'syntax'}: ${e.message.split('\n')[0]}`;
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS(TO_JS_OPTIONS) as unknown;
  } catch (error) {
    // Converting a document that parsed fails only on what the text says: an alias bomb or
    // an unresolved alias (ReferenceError), a bad merge source (`<<: 1` under %YAML 1.1),
    // nesting beyond the stack (RangeError). All of them are the file's problem.
    if (error instanceof ReferenceError && /excessive alias count/i.test(error.message)) {
      return { ok: false, problems: [`aliases expand to too much (more than ${MAX_YAML_ALIAS_COUNT} alias uses): refused as a likely alias bomb`] };
    }
    if (error instanceof RangeError) return { ok: false, problems: ['nested too deeply to read'] };
    if (error instanceof Error) return { ok: false, problems: [error.message.split('\n')[0]] };
    throw error;
  }
  const problems = keyProblems(value, at);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value, isMapping: isMap(doc.contents), empty: doc.contents === null };
}
