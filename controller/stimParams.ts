/** docs/design.md StimParams: what a stimulator is asked to deliver. Units in the names. */
export interface StimParams {
  readonly enabled: boolean;
  readonly amplitude_mA: number;
  readonly frequency_Hz: number;
  /** Width of one phase. */
  readonly pulseWidth_us: number;
}

export const stimOff = (frequency_Hz: number, pulseWidth_us: number): StimParams => ({ enabled: false, amplitude_mA: 0, frequency_Hz, pulseWidth_us });

/** True when every field has the right type and every number is finite. */
export function isWellFormedStimParams(value: unknown): value is StimParams {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.enabled === 'boolean' &&
    typeof v.amplitude_mA === 'number' && Number.isFinite(v.amplitude_mA) &&
    typeof v.frequency_Hz === 'number' && Number.isFinite(v.frequency_Hz) &&
    typeof v.pulseWidth_us === 'number' && Number.isFinite(v.pulseWidth_us)
  );
}
