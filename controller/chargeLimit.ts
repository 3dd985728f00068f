/**
 * The largest charge per phase, in microcoulombs, that an electrode of `area_cm2` may
 * carry under both limits of docs/design.md: charge density D = Q / A <= maxDensity, and the
 * Shannon criterion log10(D) <= k - log10(Q), i.e. Q^2 <= 10^k * A.
 * (R. V. Shannon, "A model of safe levels for electrical stimulation", IEEE Trans Biomed
 * Eng 39(4), 1992; k = 1.75 is the value commonly used for DBS.)
 */
export function maxChargePerPhase_uC(area_cm2: number, maxDensity_uC_cm2: number, shannonK: number): number {
  return Math.min(maxDensity_uC_cm2 * area_cm2, Math.sqrt(10 ** shannonK * area_cm2));
}

/** Charge per phase of a pulse: mA * us = nC, so / 1000 for uC. */
export const chargePerPhase_uC = (amplitude_mA: number, pulseWidth_us: number): number => (amplitude_mA * pulseWidth_us) / 1000;

/** The largest amplitude whose charge per phase stays within `maxCharge_uC` at this pulse width. */
export const maxAmplitudeForCharge_mA = (maxCharge_uC: number, pulseWidth_us: number): number => (maxCharge_uC * 1000) / pulseWidth_us;
