import { type Marker, markerJson, parseMarker } from '../../controller/marker.js';
import { NEUROLOOP_TAG } from './neuroloopAnnotations.js';

/**
 * A marker (docs/markers.md) in a recording: `[marker] ` and the marker as JSON. Kept out
 * of neuroloopAnnotations.ts so that reading an EDF file does not load the schemas.
 */
export function markerAnnotation(marker: Marker): string {
  return `${NEUROLOOP_TAG.marker} ${markerJson(marker)}`;
}

/**
 * A `[marker]` annotation read back: the marker, or why it is not one (not JSON, or the
 * field that is wrong). Null when the text does not carry the marker tag.
 */
export function readMarkerAnnotation(text: string): { ok: true; marker: Marker } | { ok: false; error: string } | null {
  if (!(text === NEUROLOOP_TAG.marker || text.startsWith(`${NEUROLOOP_TAG.marker} `))) return null;
  let body: unknown;
  try {
    body = JSON.parse(text.slice(NEUROLOOP_TAG.marker.length));
  } catch {
    return { ok: false, error: 'not JSON after the tag' };
  }
  return parseMarker(body);
}
