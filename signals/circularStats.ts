/**
 * Statistics of angles (radians), as phase-locked stimulation is judged (Zrenner et al.
 * 2020, "The shaky ground truth of real-time phase estimation", NeuroImage 214: the
 * circular mean and the circular standard deviation of the phase error at the triggers).
 *
 * For angles a_1..a_n, the mean resultant vector is (mean cos a, mean sin a); its angle
 * is the circular mean and its length R (0..1) says how concentrated the angles are. The
 * circular standard deviation is sqrt(-2 ln R) (Mardia 1972; scipy.stats.circstd), which
 * for small spreads equals the ordinary standard deviation of the angles.
 */

const TWO_PI = 2 * Math.PI;

/** The angle congruent to `angle_rad` in (-pi, pi]: pi stays pi, -pi becomes pi. */
export function wrapToPi(angle_rad: number): number {
  if (angle_rad > -Math.PI && angle_rad <= Math.PI) return angle_rad;
  // Math.floor based reduction: exact for the small multiples of 2 pi seen in practice.
  let wrapped = angle_rad - TWO_PI * Math.floor((angle_rad + Math.PI) / TWO_PI);
  // Now in [-pi, pi); rounding may also give a hair outside it.
  if (wrapped <= -Math.PI) wrapped += TWO_PI;
  if (wrapped > Math.PI) wrapped -= TWO_PI;
  return wrapped;
}

export const degreesToRadians = (angle_deg: number): number => (angle_deg * Math.PI) / 180;
export const radiansToDegrees = (angle_rad: number): number => (angle_rad * 180) / Math.PI;

/** The three figures of a set of angles. An empty set has NaN for each (no direction). */
export interface CircularSummary {
  readonly count: number;
  /** Angle of the mean resultant vector, in (-pi, pi]; NaN when R is 0 or there are no angles. */
  readonly mean_rad: number;
  /** Mean resultant length, 0..1. */
  readonly resultantLength: number;
  /** sqrt(-2 ln R): 0 for identical angles, Infinity for R = 0. */
  readonly sd_rad: number;
}

/** Circular mean, resultant length and circular standard deviation of `angles_rad`. */
export function circularSummary(angles_rad: ArrayLike<number>): CircularSummary {
  const n = angles_rad.length;
  if (n === 0) return { count: 0, mean_rad: Number.NaN, resultantLength: Number.NaN, sd_rad: Number.NaN };
  let c = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    c += Math.cos(angles_rad[i]);
    s += Math.sin(angles_rad[i]);
  }
  c /= n;
  s /= n;
  // Rounding can push R a hair above 1 for identical angles; the SD is then 0, not NaN.
  const R = Math.min(1, Math.hypot(c, s));
  return { count: n, mean_rad: R === 0 ? Number.NaN : wrapToPi(Math.atan2(s, c)), resultantLength: R, sd_rad: circularSdFromR(R) };
}

export const circularMean = (angles_rad: ArrayLike<number>): number => circularSummary(angles_rad).mean_rad;
export const resultantLength = (angles_rad: ArrayLike<number>): number => circularSummary(angles_rad).resultantLength;
export const circularSd = (angles_rad: ArrayLike<number>): number => circularSummary(angles_rad).sd_rad;

/** sqrt(-2 ln R) for a mean resultant length R in [0, 1]. */
export function circularSdFromR(R: number): number {
  if (!(R >= 0 && R <= 1)) return Number.NaN;
  if (R === 1) return 0;
  return Math.sqrt(-2 * Math.log(R));
}
