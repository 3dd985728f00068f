/** Text from the data (labels, event reasons, annotation texts) as HTML text or attribute value: never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * JSON to embed in a `<script type="application/json">` element. The HTML parser ends a
 * script element at the first `</script`, whatever JSON thinks of it, and `<!--` changes how
 * it scans; writing `<`, `>` and `&` as \u escapes keeps the element's text free of both while
 * JSON.parse reads the same string back. U+2028/U+2029 are escaped too (they end lines in
 * older JavaScript parsers).
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Code or CSS inlined into a `<script>` or `<style>` element (uPlot's, ours). Such text
 * cannot be escaped without changing what it means, so it is refused if it contains the
 * sequence that would end its element early.
 */
export function assertInlineable(text: string, element: 'script' | 'style', what: string): string {
  if (new RegExp(`</${element}|<!--`, 'i').test(text)) throw new Error(`${what} contains "</${element}" or "<!--" and cannot be inlined into a <${element}> element`);
  return text;
}
