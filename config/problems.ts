import type { z } from 'zod';

/**
 * A config (or other declared input) that failed validation, with every problem listed.
 * One problem is one line (`source: path: what`); several are a list under a count.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source}: ${problems.length} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `signals.filters[1].Q` from ['signals', 'filters', 1, 'Q']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** One line per problem, each starting with the path of the value it is about. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key`);
      continue;
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      // A record key that failed its own check: say why, at the key's path.
      lines.push(...formatIssues(issue.issues.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }))));
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the closest alternative rather than "invalid input".
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      lines.push(...formatIssues(best));
      continue;
    }
    if (issue.code === 'too_small' || issue.code === 'too_big') {
      lines.push(`${formatPath(issue.path)}: ${boundMessage(issue)}`);
      continue;
    }
    const message = issue.message
      .replace(/^Invalid input: /, '')
      .replace(/^Invalid (discriminator value|option)\. Expected /i, 'expected one of ')
      .replace(/^Invalid option: expected one of /, 'expected one of ')
      .replace(/\breceived\b/, 'got');
    lines.push(`${formatPath(issue.path)}: ${message}`);
  }
  return lines;
}

function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array') return `must have ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
  if (issue.origin === 'string') return `must be ${small ? 'at least' : 'at most'} ${bound} character${bound === 1 ? '' : 's'} long`;
  return `must be ${small ? '>' : '<'}${inclusive ? '=' : ''} ${bound}`;
}
