/**
 * Minimal complex arithmetic for filter design (run once per filter, never per sample).
 */
export interface Complex {
  readonly re: number;
  readonly im: number;
}

export const complex = (re: number, im = 0): Complex => ({ re, im });
export const cAdd = (a: Complex, b: Complex): Complex => ({ re: a.re + b.re, im: a.im + b.im });
export const cSub = (a: Complex, b: Complex): Complex => ({ re: a.re - b.re, im: a.im - b.im });
export const cMul = (a: Complex, b: Complex): Complex => ({
  re: a.re * b.re - a.im * b.im,
  im: a.re * b.im + a.im * b.re,
});
export const cScale = (a: Complex, s: number): Complex => ({ re: a.re * s, im: a.im * s });
export const cDiv = (a: Complex, b: Complex): Complex => {
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
};
export const cAbs = (a: Complex): number => Math.hypot(a.re, a.im);
export const cConj = (a: Complex): Complex => ({ re: a.re, im: -a.im });

/** Principal square root. */
export function cSqrt(a: Complex): Complex {
  const r = cAbs(a);
  if (r === 0) return complex(0, 0);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sqrt(Math.max(0, (r - a.re) / 2));
  return { re, im: a.im < 0 ? -im : im };
}

/** Product of all entries (1 for an empty list). */
export function cProd(values: readonly Complex[]): Complex {
  let p = complex(1, 0);
  for (const v of values) p = cMul(p, v);
  return p;
}
