/**
 * The colour of an event's marker line, by kind: what an engineer looks for first (the
 * recording's annotations, safety actions) stands out; the session's own marks recede.
 */
export function markerColour(kind: string): string {
  return COLOURS[kind] ?? OTHER_GOVERNOR;
}

/** Safety actions (e-stop, lockout, faults...): drawn above the other markers. */
export const SAFETY_COLOUR = '#d62728';
const SAFETY = SAFETY_COLOUR;
const RECOVERY = '#2ca02c';
const OTHER_GOVERNOR = '#ff7f0e';

const COLOURS: Readonly<Record<string, string>> = {
  annotation: '#9467bd',
  // Markers (docs/markers.md) are drawn and labelled as the recording's annotations are.
  marker: '#9467bd',
  'policy-state': '#17becf',
  command: '#1f77b4',
  driver: '#8c564b',
  'session-start': '#7f7f7f',
  'session-end': '#7f7f7f',
  estop: SAFETY,
  lockout: SAFETY,
  fault: SAFETY,
  'watchdog-fallback': SAFETY,
  'dose-exhausted': SAFETY,
  'charge-limit': SAFETY,
  'nonfinite-request': SAFETY,
  'policy-error': SAFETY,
  reset: RECOVERY,
  'watchdog-recovered': RECOVERY,
};
