/**
 * A reporter that says each distinct message at most once per `every_ms` (host time): a
 * page that reconnects every second to a broker the bridge cannot reach must not fill the
 * terminal with the same line. Remembers the last few messages only (bounded).
 */
export function reportOnce(every_ms: number, say: (message: string) => void): (message: string) => void {
  const lastSaid = new Map<string, number>();
  return (message) => {
    const now = performance.now();
    const last = lastSaid.get(message);
    if (last !== undefined && now - last < every_ms) return;
    if (lastSaid.size >= 16) lastSaid.clear();
    lastSaid.set(message, now);
    say(message);
  };
}
