import {
  type Complex, cAbs, cAdd, cDiv, cMul, cProd, cScale, cSqrt, cSub, complex,
} from './complex.js';
import { type SosCoefficients, sosFromRows } from './sos.js';

export type ButterworthKind = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

export interface ButterworthSpec {
  readonly kind: ButterworthKind;
  readonly order: number;
  /** One edge for lowpass/highpass, [low, high] for bandpass/bandstop. */
  readonly cutoff_Hz: number | readonly [number, number];
  readonly fs_Hz: number;
}

export const MAX_BUTTERWORTH_ORDER = 12;

interface Zpk {
  zeros: Complex[];
  poles: Complex[];
  gain: number;
}

/**
 * Digital Butterworth filter as second-order sections, by the textbook route that
 * scipy.signal.butter also takes (so the transfer functions agree): analog prototype
 * poles on the unit circle, frequency pre-warping, the analog lowpass-to-X transform,
 * then the bilinear transform. Poles and zeros are then paired into sections; the
 * pairing differs from SciPy's in places but the cascade's transfer function is the same.
 */
export function butterworthSos(spec: ButterworthSpec): SosCoefficients {
  const { kind, order, fs_Hz } = spec;
  if (!Number.isInteger(order) || order < 1 || order > MAX_BUTTERWORTH_ORDER) {
    throw new Error(`Butterworth order must be an integer from 1 to ${MAX_BUTTERWORTH_ORDER}, got ${order}`);
  }
  if (!(fs_Hz > 0) || !Number.isFinite(fs_Hz)) throw new Error(`fs_Hz must be a positive number, got ${fs_Hz}`);
  const nyquist_Hz = fs_Hz / 2;
  const edges = typeof spec.cutoff_Hz === 'number' ? [spec.cutoff_Hz] : [...spec.cutoff_Hz];
  const wantEdges = kind === 'lowpass' || kind === 'highpass' ? 1 : 2;
  if (edges.length !== wantEdges) {
    throw new Error(`${kind} needs ${wantEdges === 1 ? 'one cutoff' : 'two edges [low, high]'} in Hz`);
  }
  for (const f of edges) {
    if (!(f > 0 && f < nyquist_Hz)) {
      throw new Error(`${kind} edge ${f} Hz must be inside (0, ${nyquist_Hz}) Hz, the Nyquist range at fs ${fs_Hz} Hz`);
    }
  }
  if (wantEdges === 2 && !(edges[0] < edges[1])) {
    throw new Error(`${kind} edges must be increasing, got [${edges[0]}, ${edges[1]}] Hz`);
  }

  // Design at an internal sample rate of 2 (bilinear constant 2*fs = 4), as is customary.
  const fsDesign = 2;
  const warped = edges.map((f) => 2 * fsDesign * Math.tan((Math.PI * f) / fs_Hz));

  let zpk = analogPrototype(order);
  if (kind === 'lowpass') zpk = lowpassToLowpass(zpk, warped[0]);
  else if (kind === 'highpass') zpk = lowpassToHighpass(zpk, warped[0]);
  else {
    const centre = Math.sqrt(warped[0] * warped[1]);
    const width = warped[1] - warped[0];
    zpk = kind === 'bandpass' ? lowpassToBandpass(zpk, centre, width) : lowpassToBandstop(zpk, centre, width);
  }
  return zpkToSos(bilinear(zpk, fsDesign));
}

function analogPrototype(order: number): Zpk {
  const poles: Complex[] = [];
  for (let m = -order + 1; m < order; m += 2) {
    const theta = (Math.PI * m) / (2 * order);
    poles.push(complex(-Math.cos(theta), -Math.sin(theta)));
  }
  return { zeros: [], poles, gain: 1 };
}

const degree = (zpk: Zpk): number => zpk.poles.length - zpk.zeros.length;
const negate = (values: readonly Complex[]): Complex[] => values.map((v) => cScale(v, -1));

function lowpassToLowpass(zpk: Zpk, wo: number): Zpk {
  return {
    zeros: zpk.zeros.map((z) => cScale(z, wo)),
    poles: zpk.poles.map((p) => cScale(p, wo)),
    gain: zpk.gain * wo ** degree(zpk),
  };
}

function lowpassToHighpass(zpk: Zpk, wo: number): Zpk {
  const inv = (v: Complex): Complex => cDiv(complex(wo), v);
  const zeros = zpk.zeros.map(inv);
  for (let i = 0; i < degree(zpk); i++) zeros.push(complex(0));
  const gain = zpk.gain * cDiv(cProd(negate(zpk.zeros)), cProd(negate(zpk.poles))).re;
  return { zeros, poles: zpk.poles.map(inv), gain };
}

/** Each root r of the lowpass maps to the two roots of s^2 - r*s*... : r*bw/2 ± sqrt((r*bw/2)^2 - wo^2). */
function splitRoots(roots: readonly Complex[], scale: (r: Complex) => Complex, wo: number): Complex[] {
  const out: Complex[] = [];
  const wo2 = complex(wo * wo);
  const scaled = roots.map(scale);
  for (const r of scaled) out.push(cAdd(r, cSqrt(cSub(cMul(r, r), wo2))));
  for (const r of scaled) out.push(cSub(r, cSqrt(cSub(cMul(r, r), wo2))));
  return out;
}

function lowpassToBandpass(zpk: Zpk, wo: number, bw: number): Zpk {
  const half = (r: Complex): Complex => cScale(r, bw / 2);
  const zeros = splitRoots(zpk.zeros, half, wo);
  for (let i = 0; i < degree(zpk); i++) zeros.push(complex(0));
  return { zeros, poles: splitRoots(zpk.poles, half, wo), gain: zpk.gain * bw ** degree(zpk) };
}

function lowpassToBandstop(zpk: Zpk, wo: number, bw: number): Zpk {
  const invHalf = (r: Complex): Complex => cDiv(complex(bw / 2), r);
  const zeros = splitRoots(zpk.zeros, invHalf, wo);
  for (let i = 0; i < degree(zpk); i++) {
    zeros.push(complex(0, wo));
    zeros.push(complex(0, -wo));
  }
  const gain = zpk.gain * cDiv(cProd(negate(zpk.zeros)), cProd(negate(zpk.poles))).re;
  return { zeros, poles: splitRoots(zpk.poles, invHalf, wo), gain };
}

function bilinear(zpk: Zpk, fs: number): Zpk {
  const fs2 = complex(2 * fs);
  const map = (r: Complex): Complex => cDiv(cAdd(fs2, r), cSub(fs2, r));
  const zeros = zpk.zeros.map(map);
  // Zeros at analog infinity land on z = -1 (the Nyquist frequency).
  for (let i = 0; i < degree(zpk); i++) zeros.push(complex(-1));
  const gain = zpk.gain * cDiv(cProd(zpk.zeros.map((z) => cSub(fs2, z))), cProd(zpk.poles.map((p) => cSub(fs2, p)))).re;
  return { zeros, poles: zpk.poles.map(map), gain };
}

const isReal = (v: Complex): boolean => Math.abs(v.im) <= 1e-10 * Math.max(1, cAbs(v));
const distance = (a: Complex, b: Complex): number => cAbs(cSub(a, b));

/**
 * Groups conjugate pole pairs with the nearest zeros into biquads. Poles closest to the
 * unit circle are placed first so that each is matched with its nearest zeros; the
 * overall gain goes into the first section.
 */
function zpkToSos(zpk: Zpk): SosCoefficients {
  const complexPoles = zpk.poles.filter((p) => !isReal(p) && p.im > 0);
  const realPoles = zpk.poles.filter(isReal).map((p) => p.re);
  let complexZeros = zpk.zeros.filter((z) => !isReal(z) && z.im > 0);
  let realZeros = zpk.zeros.filter(isReal).map((z) => z.re);

  complexPoles.sort((a, b) => Math.abs(1 - cAbs(a)) - Math.abs(1 - cAbs(b)));
  realPoles.sort((a, b) => Math.abs(1 - Math.abs(a)) - Math.abs(1 - Math.abs(b)));

  const takeNearestReal = (target: Complex, farthest = false): number | undefined => {
    if (realZeros.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < realZeros.length; i++) {
      const di = distance(complex(realZeros[i]), target);
      const db = distance(complex(realZeros[best]), target);
      if (farthest ? di > db : di < db) best = i;
    }
    const [value] = realZeros.splice(best, 1);
    return value;
  };
  const numeratorFor = (target: Complex, want: 1 | 2): [number, number, number] => {
    if (want === 2 && complexZeros.length > 0) {
      let best = 0;
      for (let i = 1; i < complexZeros.length; i++) {
        if (distance(complexZeros[i], target) < distance(complexZeros[best], target)) best = i;
      }
      const z = complexZeros[best];
      complexZeros = complexZeros.filter((_, i) => i !== best);
      return [1, -2 * z.re, z.re * z.re + z.im * z.im];
    }
    const z1 = takeNearestReal(target);
    // With only real zeros left, the second is the farthest: a bandpass section then gets
    // one zero at DC and one at Nyquist, which keeps every section well scaled.
    const z2 = want === 2 ? takeNearestReal(target, true) : undefined;
    if (z1 === undefined) return [1, 0, 0];
    if (z2 === undefined) return [1, -z1, 0];
    return [1, -(z1 + z2), z1 * z2];
  };

  const rows: number[][] = [];
  for (const p of complexPoles) {
    const b = numeratorFor(p, 2);
    rows.push([...b, 1, -2 * p.re, p.re * p.re + p.im * p.im]);
  }
  for (let i = 0; i < realPoles.length; i += 2) {
    const p1 = realPoles[i];
    if (i + 1 < realPoles.length) {
      const p2 = realPoles[i + 1];
      const b = numeratorFor(complex(p1), 2);
      rows.push([...b, 1, -(p1 + p2), p1 * p2]);
    } else {
      const b = numeratorFor(complex(p1), 1);
      rows.push([...b, 1, -p1, 0]);
    }
  }
  if (complexZeros.length > 0 || realZeros.length > 0) {
    throw new Error('internal: filter design left zeros unpaired');
  }
  for (let k = 0; k < 3; k++) rows[0][k] *= zpk.gain;
  return sosFromRows(rows);
}
