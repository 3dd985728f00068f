/**
 * The annotations neuroloop writes into its own recordings (docs/design.md, Recording).
 * Each starts with a tag in square brackets, so a person reading the file in EDFbrowser
 * sees what happened, and a replay can tell the session's own log from a marker someone
 * added (a marker is passed into the replay's trace; the session's own log is not, because
 * the replayed session makes those events again itself).
 *
 * Tags are only honoured in files whose recording field names neuroloop as the equipment
 * (`isNeuroloopRecording`): another program's "[end]" is just text.
 */
export const NEUROLOOP_TAG = {
  /** Stimulation as applied changed: "[stim] 1.25 mA 130 Hz 60 us" or "[stim] off". */
  stim: '[stim]',
  /** A session event (governor, command, driver): "[event] kind: reason". */
  event: '[event]',
  /**
   * Samples the source lost (an index gap): the record holds held values there. Written
   * with onset and duration; a neuroloop-aware reader turns the span back into a gap.
   */
  lost: '[lost]',
  /**
   * A stop was asked (Ctrl+C, SIGTERM) after the step at this onset: the session ramped
   * off from the next step. A replay asks for the same stop at the same step.
   */
  stop: '[stop]',
  /**
   * The end of the session's data: samples after this onset only pad the last record.
   * The text after the tag is the reason the session ended.
   */
  end: '[end]',
  /**
   * A marker (docs/markers.md): "[marker] " and the marker as JSON (markerJson), e.g.
   * `[marker] {"medication":{"drug":"levodopa","dose":100,"unit":"mg","route":"oral"},"state":"MedOn"}`.
   * Unlike the session's log, a replay takes it back as the same marker (its declared
   * state switches the policy again).
   */
  marker: '[marker]',
} as const;


/** The equipment subfield value of a neuroloop recording starts with this. */
export const NEUROLOOP_EQUIPMENT = 'neuroloop';

/** True when an annotation text carries one of neuroloop's own tags. */
export function isNeuroloopTag(text: string): boolean {
  return Object.values(NEUROLOOP_TAG).some((tag) => text === tag || text.startsWith(`${tag} `));
}

/**
 * True when an EDF+ recording field ("Startdate dd-MMM-yyyy admincode technician
 * equipment ...") names neuroloop as the equipment.
 */
export function isNeuroloopRecording(recordingField: string): boolean {
  const parts = recordingField.trim().split(/\s+/);
  return parts[0] === 'Startdate' && (parts[4] ?? '').startsWith(NEUROLOOP_EQUIPMENT);
}
