/**
 * Complex FFT for lengths whose only prime factors are 2, 3, 5 and 7 (125, 250, 360, 1000,
 * ...): a Stockham autosort transform, decimation in frequency, one butterfly per stage of
 * radix 4, 2, 3, 5 or 7.
 *
 * Stage with radix r on a sub-length L at stride s (first stage: L = n, s = 1), with
 * m = L / r: for every p < m and q < s, the r inputs a_j = x[q + s (p + j m)] go through
 * an r-point DFT, A_k = sum_j a_j e^{-2 pi i jk / r}, and A_k e^{-2 pi i pk / L} is written
 * to y[q + s (r p + k)]. The next stage runs on L' = m, s' = s r. After the last stage
 * (L = r) y holds X in natural order, so no bit/digit reversal pass is needed.
 *
 * One plan per size: twiddles and the two ping-pong buffers are made in the constructor;
 * `forward` allocates nothing.
 */

/** The radices a plan is built from, in the order stages run: 4s first, then 2, 3, 5, 7. */
export function smoothFactors(n: number): number[] | null {
  if (!Number.isInteger(n) || n < 2) return null;
  const factors: number[] = [];
  let rest = n;
  while (rest % 4 === 0) {
    factors.push(4);
    rest /= 4;
  }
  for (const p of [2, 3, 5, 7]) {
    while (rest % p === 0) {
      factors.push(p);
      rest /= p;
    }
  }
  return rest === 1 ? factors : null;
}

/** True when n >= 2 factors into 2, 3, 5 and 7 only. */
export const isSmooth = (n: number): boolean => smoothFactors(n) !== null;

const SIN_60 = Math.sqrt(3) / 2;
const C5_1 = Math.cos((2 * Math.PI) / 5);
const C5_2 = Math.cos((4 * Math.PI) / 5);
const S5_1 = Math.sin((2 * Math.PI) / 5);
const S5_2 = Math.sin((4 * Math.PI) / 5);
const C7_1 = Math.cos((2 * Math.PI) / 7);
const C7_2 = Math.cos((4 * Math.PI) / 7);
const C7_3 = Math.cos((6 * Math.PI) / 7);
const S7_1 = Math.sin((2 * Math.PI) / 7);
const S7_2 = Math.sin((4 * Math.PI) / 7);
const S7_3 = Math.sin((6 * Math.PI) / 7);

interface Stage {
  readonly radix: number;
  /** Sub-length L / radix. */
  readonly m: number;
  /** Stride s. */
  readonly s: number;
  /** Twiddles e^{-2 pi i pk / L}, interleaved, for p < m and k = 1..radix-1, at [2 ((radix-1) p + k - 1)]. */
  readonly twiddles: Float64Array;
}

export class MixedRadixFft {
  readonly size: number;
  readonly factors: readonly number[];
  private readonly stages: readonly Stage[];
  private readonly bufferA: Float64Array;
  private readonly bufferB: Float64Array;
  /** Input copy when the caller's array is not a Float64Array (keeps the stages monomorphic). */
  private readonly inputCopy: Float64Array;

  constructor(size: number) {
    const factors = smoothFactors(size);
    if (factors === null) throw new Error(`MixedRadixFft size must be an integer >= 2 with no prime factor above 7, got ${size}`);
    this.size = size;
    this.factors = factors;
    const stages: Stage[] = [];
    let length = size;
    let stride = 1;
    for (const radix of factors) {
      const m = length / radix;
      const twiddles = new Float64Array(2 * (radix - 1) * m);
      for (let p = 0; p < m; p++) {
        for (let k = 1; k < radix; k++) {
          // p*k < L, so the angle is reduced already; the index is exact.
          const angle = (-2 * Math.PI * p * k) / length;
          const at = 2 * ((radix - 1) * p + k - 1);
          twiddles[at] = Math.cos(angle);
          twiddles[at + 1] = Math.sin(angle);
        }
      }
      stages.push({ radix, m, s: stride, twiddles });
      length = m;
      stride *= radix;
    }
    this.stages = stages;
    this.bufferA = new Float64Array(2 * size);
    this.bufferB = new Float64Array(2 * size);
    this.inputCopy = new Float64Array(2 * size);
  }

  /**
   * Transforms `input` (size interleaved complex values) and writes bins 0..binEnd-1 to
   * `out` (interleaved). When `out` has room for every bin (length >= 2 size) the last
   * stage writes there directly; otherwise through a buffer. Bins from binEnd on may be
   * written too, or not. `out` must not be `input`.
   */
  forward(input: ArrayLike<number>, out: Float64Array, binEnd = this.size): void {
    const n = this.size;
    let x: Float64Array;
    if (input instanceof Float64Array) {
      x = input;
    } else {
      x = this.inputCopy;
      for (let i = 0; i < 2 * n; i++) x[i] = input[i];
    }
    const stages = this.stages;
    const last = stages.length - 1;
    const direct = out.length >= 2 * n;
    // The last stage (L = r, stride s = n / r) writes bin q + s k from k = 0..r-1; when
    // only bins below s are asked for (a real odd-length window whose bands stop well
    // below Nyquist), each is the plain sum of its r inputs: the butterflies are skipped.
    const pruned = binEnd <= stages[last].s;
    for (let i = 0; i <= last; i++) {
      if (i === last && pruned) {
        finalSums(x, out, stages[last].radix, stages[last].s, binEnd);
        return;
      }
      let y: Float64Array;
      if (i === last) y = direct ? out : this.bufferB === x ? this.bufferA : this.bufferB;
      else y = x === this.bufferA ? this.bufferB : this.bufferA;
      runStage(stages[i], x, y);
      x = y;
    }
    if (!direct) for (let i = 0; i < 2 * binEnd; i++) out[i] = x[i];
  }
}

/**
 * Bins 0..binEnd-1 (all below s) of a last stage of radix r: out[q] = sum_j x[q + s j],
 * added in the order the radix's butterfly adds them, so the bins equal the full path's.
 */
function finalSums(x: Float64Array, out: Float64Array, radix: number, s: number, binEnd: number): void {
  const d = 2 * s;
  for (let q = 0; q < 2 * binEnd; q++) {
    // q runs over re and im alike: the sums do not mix them.
    const a0 = x[q];
    const a1 = x[q + d];
    if (radix === 2) out[q] = a0 + a1;
    else if (radix === 4) out[q] = a0 + x[q + 2 * d] + (a1 + x[q + 3 * d]);
    else if (radix === 3) out[q] = a0 + (a1 + x[q + 2 * d]);
    else if (radix === 5) out[q] = a0 + (a1 + x[q + 4 * d]) + (x[q + 2 * d] + x[q + 3 * d]);
    else out[q] = a0 + (a1 + x[q + 6 * d]) + (x[q + 2 * d] + x[q + 5 * d]) + (x[q + 3 * d] + x[q + 4 * d]);
  }
}

function runStage(stage: Stage, x: Float64Array, y: Float64Array): void {
  switch (stage.radix) {
    case 4:
      radix4(x, y, stage.m, stage.s, stage.twiddles);
      break;
    case 2:
      radix2(x, y, stage.m, stage.s, stage.twiddles);
      break;
    case 3:
      radix3(x, y, stage.m, stage.s, stage.twiddles);
      break;
    case 5:
      radix5(x, y, stage.m, stage.s, stage.twiddles);
      break;
    default:
      radix7(x, y, stage.m, stage.s, stage.twiddles);
  }
}

// In every butterfly below, indices are of complex values; [2i] is re and [2i+1] is im.
// Input j of group (p, q) is at q + s (p + j m), output k at q + s (r p + k).

function radix2(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array): void {
  for (let p = 0; p < m; p++) {
    const w1r = tw[2 * p];
    const w1i = tw[2 * p + 1];
    const in0 = 2 * s * p;
    const in1 = 2 * s * (p + m);
    const out0 = 2 * s * 2 * p;
    const out1 = out0 + 2 * s;
    for (let q = 0; q < 2 * s; q += 2) {
      const a0r = x[in0 + q];
      const a0i = x[in0 + q + 1];
      const a1r = x[in1 + q];
      const a1i = x[in1 + q + 1];
      y[out0 + q] = a0r + a1r;
      y[out0 + q + 1] = a0i + a1i;
      const dr = a0r - a1r;
      const di = a0i - a1i;
      y[out1 + q] = dr * w1r - di * w1i;
      y[out1 + q + 1] = dr * w1i + di * w1r;
    }
  }
}

function radix4(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array): void {
  const step = 2 * s * m;
  for (let p = 0; p < m; p++) {
    const w1r = tw[6 * p];
    const w1i = tw[6 * p + 1];
    const w2r = tw[6 * p + 2];
    const w2i = tw[6 * p + 3];
    const w3r = tw[6 * p + 4];
    const w3i = tw[6 * p + 5];
    const in0 = 2 * s * p;
    const out0 = 2 * s * 4 * p;
    for (let q = 0; q < 2 * s; q += 2) {
      const i0 = in0 + q;
      const a0r = x[i0];
      const a0i = x[i0 + 1];
      const a1r = x[i0 + step];
      const a1i = x[i0 + step + 1];
      const a2r = x[i0 + 2 * step];
      const a2i = x[i0 + 2 * step + 1];
      const a3r = x[i0 + 3 * step];
      const a3i = x[i0 + 3 * step + 1];
      const s02r = a0r + a2r;
      const s02i = a0i + a2i;
      const d02r = a0r - a2r;
      const d02i = a0i - a2i;
      const s13r = a1r + a3r;
      const s13i = a1i + a3i;
      const d13r = a1r - a3r;
      const d13i = a1i - a3i;
      // A1 = d02 - i d13, A3 = d02 + i d13; -i (u + iv) = v - iu.
      const b1r = d02r + d13i;
      const b1i = d02i - d13r;
      const b2r = s02r - s13r;
      const b2i = s02i - s13i;
      const b3r = d02r - d13i;
      const b3i = d02i + d13r;
      const o = out0 + q;
      y[o] = s02r + s13r;
      y[o + 1] = s02i + s13i;
      y[o + 2 * s] = b1r * w1r - b1i * w1i;
      y[o + 2 * s + 1] = b1r * w1i + b1i * w1r;
      y[o + 4 * s] = b2r * w2r - b2i * w2i;
      y[o + 4 * s + 1] = b2r * w2i + b2i * w2r;
      y[o + 6 * s] = b3r * w3r - b3i * w3i;
      y[o + 6 * s + 1] = b3r * w3i + b3i * w3r;
    }
  }
}

function radix3(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array): void {
  const step = 2 * s * m;
  for (let p = 0; p < m; p++) {
    const w1r = tw[4 * p];
    const w1i = tw[4 * p + 1];
    const w2r = tw[4 * p + 2];
    const w2i = tw[4 * p + 3];
    const in0 = 2 * s * p;
    const out0 = 2 * s * 3 * p;
    for (let q = 0; q < 2 * s; q += 2) {
      const i0 = in0 + q;
      const a0r = x[i0];
      const a0i = x[i0 + 1];
      const a1r = x[i0 + step];
      const a1i = x[i0 + step + 1];
      const a2r = x[i0 + 2 * step];
      const a2i = x[i0 + 2 * step + 1];
      const sr = a1r + a2r;
      const si = a1i + a2i;
      // A1,2 = a0 - (a1 + a2) / 2 -/+ i sin(60 deg) (a1 - a2).
      const mr = a0r - 0.5 * sr;
      const mi = a0i - 0.5 * si;
      const tr = SIN_60 * (a1i - a2i);
      const ti = -SIN_60 * (a1r - a2r);
      const b1r = mr + tr;
      const b1i = mi + ti;
      const b2r = mr - tr;
      const b2i = mi - ti;
      const o = out0 + q;
      y[o] = a0r + sr;
      y[o + 1] = a0i + si;
      y[o + 2 * s] = b1r * w1r - b1i * w1i;
      y[o + 2 * s + 1] = b1r * w1i + b1i * w1r;
      y[o + 4 * s] = b2r * w2r - b2i * w2i;
      y[o + 4 * s + 1] = b2r * w2i + b2i * w2r;
    }
  }
}

function radix5(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array): void {
  const step = 2 * s * m;
  for (let p = 0; p < m; p++) {
    const t = 8 * p;
    const w1r = tw[t];
    const w1i = tw[t + 1];
    const w2r = tw[t + 2];
    const w2i = tw[t + 3];
    const w3r = tw[t + 4];
    const w3i = tw[t + 5];
    const w4r = tw[t + 6];
    const w4i = tw[t + 7];
    const in0 = 2 * s * p;
    const out0 = 2 * s * 5 * p;
    for (let q = 0; q < 2 * s; q += 2) {
      const i0 = in0 + q;
      const a0r = x[i0];
      const a0i = x[i0 + 1];
      const a1r = x[i0 + step];
      const a1i = x[i0 + step + 1];
      const a2r = x[i0 + 2 * step];
      const a2i = x[i0 + 2 * step + 1];
      const a3r = x[i0 + 3 * step];
      const a3i = x[i0 + 3 * step + 1];
      const a4r = x[i0 + 4 * step];
      const a4i = x[i0 + 4 * step + 1];
      const s1r = a1r + a4r;
      const s1i = a1i + a4i;
      const d1r = a1r - a4r;
      const d1i = a1i - a4i;
      const s2r = a2r + a3r;
      const s2i = a2i + a3i;
      const d2r = a2r - a3r;
      const d2i = a2i - a3i;
      // A_k = a0 + sum_j cos(2 pi jk/5) (a_j + a_{5-j}) - i sum_j sin(2 pi jk/5) (a_j - a_{5-j}), A_{5-k} with +i.
      const m1r = a0r + C5_1 * s1r + C5_2 * s2r;
      const m1i = a0i + C5_1 * s1i + C5_2 * s2i;
      const m2r = a0r + C5_2 * s1r + C5_1 * s2r;
      const m2i = a0i + C5_2 * s1i + C5_1 * s2i;
      // -i (u + iv) = v - iu, with u + iv = S1 d1 + S2 d2 (k = 1) and S2 d1 - S1 d2 (k = 2).
      const n1r = S5_1 * d1i + S5_2 * d2i;
      const n1i = -(S5_1 * d1r + S5_2 * d2r);
      const n2r = S5_2 * d1i - S5_1 * d2i;
      const n2i = -(S5_2 * d1r - S5_1 * d2r);
      const b1r = m1r + n1r;
      const b1i = m1i + n1i;
      const b4r = m1r - n1r;
      const b4i = m1i - n1i;
      const b2r = m2r + n2r;
      const b2i = m2i + n2i;
      const b3r = m2r - n2r;
      const b3i = m2i - n2i;
      const o = out0 + q;
      y[o] = a0r + s1r + s2r;
      y[o + 1] = a0i + s1i + s2i;
      y[o + 2 * s] = b1r * w1r - b1i * w1i;
      y[o + 2 * s + 1] = b1r * w1i + b1i * w1r;
      y[o + 4 * s] = b2r * w2r - b2i * w2i;
      y[o + 4 * s + 1] = b2r * w2i + b2i * w2r;
      y[o + 6 * s] = b3r * w3r - b3i * w3i;
      y[o + 6 * s + 1] = b3r * w3i + b3i * w3r;
      y[o + 8 * s] = b4r * w4r - b4i * w4i;
      y[o + 8 * s + 1] = b4r * w4i + b4i * w4r;
    }
  }
}

function radix7(x: Float64Array, y: Float64Array, m: number, s: number, tw: Float64Array): void {
  const step = 2 * s * m;
  for (let p = 0; p < m; p++) {
    const t = 12 * p;
    const in0 = 2 * s * p;
    const out0 = 2 * s * 7 * p;
    for (let q = 0; q < 2 * s; q += 2) {
      const i0 = in0 + q;
      const a0r = x[i0];
      const a0i = x[i0 + 1];
      const a1r = x[i0 + step];
      const a1i = x[i0 + step + 1];
      const a2r = x[i0 + 2 * step];
      const a2i = x[i0 + 2 * step + 1];
      const a3r = x[i0 + 3 * step];
      const a3i = x[i0 + 3 * step + 1];
      const a4r = x[i0 + 4 * step];
      const a4i = x[i0 + 4 * step + 1];
      const a5r = x[i0 + 5 * step];
      const a5i = x[i0 + 5 * step + 1];
      const a6r = x[i0 + 6 * step];
      const a6i = x[i0 + 6 * step + 1];
      const s1r = a1r + a6r;
      const s1i = a1i + a6i;
      const d1r = a1r - a6r;
      const d1i = a1i - a6i;
      const s2r = a2r + a5r;
      const s2i = a2i + a5i;
      const d2r = a2r - a5r;
      const d2i = a2i - a5i;
      const s3r = a3r + a4r;
      const s3i = a3i + a4i;
      const d3r = a3r - a4r;
      const d3i = a3i - a4i;
      // cos and sin of 2 pi jk/7 for j = 1..3: k = 1 -> (1, 2, 3); k = 2 -> (2, -3, -1) for
      // sin and (2, 3, 1) for cos; k = 3 -> sin (3, -1, 2), cos (3, 1, 2).
      const m1r = a0r + C7_1 * s1r + C7_2 * s2r + C7_3 * s3r;
      const m1i = a0i + C7_1 * s1i + C7_2 * s2i + C7_3 * s3i;
      const m2r = a0r + C7_2 * s1r + C7_3 * s2r + C7_1 * s3r;
      const m2i = a0i + C7_2 * s1i + C7_3 * s2i + C7_1 * s3i;
      const m3r = a0r + C7_3 * s1r + C7_1 * s2r + C7_2 * s3r;
      const m3i = a0i + C7_3 * s1i + C7_1 * s2i + C7_2 * s3i;
      const u1r = S7_1 * d1r + S7_2 * d2r + S7_3 * d3r;
      const u1i = S7_1 * d1i + S7_2 * d2i + S7_3 * d3i;
      const u2r = S7_2 * d1r - S7_3 * d2r - S7_1 * d3r;
      const u2i = S7_2 * d1i - S7_3 * d2i - S7_1 * d3i;
      const u3r = S7_3 * d1r - S7_1 * d2r + S7_2 * d3r;
      const u3i = S7_3 * d1i - S7_1 * d2i + S7_2 * d3i;
      // A_k = m_k - i u_k, A_{7-k} = m_k + i u_k; -i (u + iv) = v - iu.
      const o = out0 + q;
      y[o] = a0r + s1r + s2r + s3r;
      y[o + 1] = a0i + s1i + s2i + s3i;
      twiddleStore(y, o + 2 * s, m1r + u1i, m1i - u1r, tw[t], tw[t + 1]);
      twiddleStore(y, o + 4 * s, m2r + u2i, m2i - u2r, tw[t + 2], tw[t + 3]);
      twiddleStore(y, o + 6 * s, m3r + u3i, m3i - u3r, tw[t + 4], tw[t + 5]);
      twiddleStore(y, o + 8 * s, m3r - u3i, m3i + u3r, tw[t + 6], tw[t + 7]);
      twiddleStore(y, o + 10 * s, m2r - u2i, m2i + u2r, tw[t + 8], tw[t + 9]);
      twiddleStore(y, o + 12 * s, m1r - u1i, m1i + u1r, tw[t + 10], tw[t + 11]);
    }
  }
}

/** y[at] = (br + i bi)(wr + i wi). Small enough to be inlined by the JIT. */
function twiddleStore(y: Float64Array, at: number, br: number, bi: number, wr: number, wi: number): void {
  y[at] = br * wr - bi * wi;
  y[at + 1] = br * wi + bi * wr;
}
