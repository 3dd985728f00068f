/**
 * Second-order sections, laid out as SciPy does: one row of six numbers per section,
 * `[b0, b1, b2, a0, a1, a2]` with `a0 = 1`. The cascade's transfer function is the
 * product of the rows.
 */
export interface SosCoefficients {
  /** 6 * sections numbers, row-major. */
  readonly sos: Float64Array;
  readonly sections: number;
}

export function sosFromRows(rows: readonly (readonly number[])[]): SosCoefficients {
  const sos = new Float64Array(rows.length * 6);
  rows.forEach((row, s) => {
    if (row.length !== 6) throw new Error(`SOS row ${s} must have 6 numbers, got ${row.length}`);
    const a0 = row[3];
    if (a0 === 0 || !Number.isFinite(a0)) throw new Error(`SOS row ${s}: a0 must be finite and non-zero`);
    for (let k = 0; k < 6; k++) sos[s * 6 + k] = row[k] / a0;
  });
  return { sos, sections: rows.length };
}

/** Concatenates cascades: filtering by the result equals filtering by each in turn. */
export function concatSos(parts: readonly SosCoefficients[]): SosCoefficients {
  const sections = parts.reduce((n, p) => n + p.sections, 0);
  const sos = new Float64Array(sections * 6);
  let offset = 0;
  for (const p of parts) {
    sos.set(p.sos, offset);
    offset += p.sos.length;
  }
  return { sos, sections };
}
