/**
 * The factor that turns a signal's physical dimension into microvolts, neuroloop's unit
 * for samples (signals/sampleBlock.ts). null when the dimension is not a voltage (or is
 * empty): such values are passed through unchanged.
 *
 * EDF+ spells microvolts "uV" (https://www.edfplus.info/specs/edftexts.html); files in
 * the wild also hold "uv", "µV" (Latin-1 0xB5, or UTF-8 bytes that a Latin-1 reading shows
 * as "Âµ"), the Greek mu, and "mu V". Case is ignored ("MV" is no one's megavolt).
 */
export function microvoltScale(physicalDimension: string): number | null {
  const unit = physicalDimension
    .replace(/\s+/g, '')
    .replace(/Âµ|µ|μ/g, 'u')
    .toLowerCase();
  switch (unit) {
    case 'uv':
    case 'muv':
    case 'microv':
    case 'microvolt':
    case 'microvolts':
      return 1;
    case 'mv':
    case 'millivolt':
    case 'millivolts':
      return 1e3;
    case 'v':
    case 'volt':
    case 'volts':
      return 1e6;
    case 'nv':
    case 'nanovolt':
    case 'nanovolts':
      return 1e-3;
    default:
      return null;
  }
}
