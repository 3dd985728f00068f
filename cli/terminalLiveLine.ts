/**
 * The live line is drawn in place on a terminal, without a newline; a log line written to
 * the same terminal meanwhile would run on after it. The status line says here how to wipe
 * it, and the logger wipes it before each line (the next frame draws it again, below).
 */
let wipe: (() => void) | null = null;

/** The live line is on the terminal now; `clear` wipes it. */
export function liveLineDrawn(clear: () => void): void {
  wipe = clear;
}

/** Nothing of the live line is left to wipe (it ended with a newline). */
export function liveLineGone(): void {
  wipe = null;
}

/** Wipes the live line, if one is drawn, before something else is written to the terminal. */
export function wipeLiveLine(): void {
  const clear = wipe;
  wipe = null;
  clear?.();
}
