/**
 * A broker URL fit to print: the password of `scheme://user:password@host` replaced by
 * `***`. Every place that shows a URL (log lines, errors, the stderr announcement) goes
 * through here, so a password typed into --mqtt is never written anywhere. It also works
 * on text that is not a valid URL (a mistyped --mqtt is echoed in its error message).
 */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:@/\s]*):[^/\s]*@/g, '$1:***@');
}

/** The password of a URL, if it carries one (to scrub it from text we did not write, like a library's error message). */
export function urlPassword(url: string): string | undefined {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:@/\s]*:([^/\s]+)@/.exec(url);
  return match?.[1];
}

/** `text` with every occurrence of each secret (and its URL-decoded form) replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length === 0) continue;
    let decoded = secret;
    try {
      decoded = decodeURIComponent(secret);
    } catch {
      // Not percent-encoded: the raw form is all there is.
    }
    for (const form of new Set([secret, decoded])) out = out.split(form).join('***');
  }
  return out;
}
