/**
 * Which samples of a few series sharing one time axis to keep, so that a line plot of the
 * kept samples looks like a plot of all of them at a width of up to `maxBuckets` pixels:
 * the time span is cut into `maxBuckets` equal buckets and each bucket keeps, for every
 * series, its first, lowest, highest and last finite sample (the "M4" aggregation of
 * Jugel et al., VLDB 2014), plus its first missing (NaN) sample so that gaps stay gaps.
 *
 * Returns the kept indices in ascending order. Series with at most 4 samples per bucket
 * on average are kept whole: there is nothing to gain. `t` must be non-decreasing.
 */
export function decimationIndices(t_s: ArrayLike<number>, series: readonly Float64Array[], maxBuckets: number): Uint32Array {
  const n = t_s.length;
  for (const s of series) if (s.length !== n) throw new Error(`decimationIndices: a series has ${s.length} samples, the time axis ${n}`);
  if (!(Number.isInteger(maxBuckets) && maxBuckets >= 1)) throw new Error(`decimationIndices: maxBuckets must be a whole number >= 1, got ${maxBuckets}`);
  const span_s = n > 0 ? t_s[n - 1] - t_s[0] : 0;
  if (n <= 4 * maxBuckets || !(span_s > 0)) return Uint32Array.from({ length: n }, (_, i) => i);

  const perSeries = 5; // first, min, max, last, first missing
  const scratch = new Int32Array(perSeries * series.length);
  const kept = new Uint32Array(Math.min(n, maxBuckets * scratch.length + scratch.length));
  let keptCount = 0;
  const bucketOf = (i: number): number => Math.min(maxBuckets - 1, Math.floor(((t_s[i] - t_s[0]) / span_s) * maxBuckets));

  let start = 0;
  while (start < n) {
    const bucket = bucketOf(start);
    let stop = start + 1;
    while (stop < n && bucketOf(stop) === bucket) stop++;
    // Per series: the chosen indices of [start, stop), -1 where there is none.
    scratch.fill(-1);
    for (let s = 0; s < series.length; s++) {
      const values = series[s];
      const base = s * perSeries;
      let first = -1;
      let lowest = -1;
      let highest = -1;
      let last = -1;
      let missing = -1;
      for (let i = start; i < stop; i++) {
        const v = values[i];
        if (Number.isNaN(v)) {
          if (missing < 0) missing = i;
          continue;
        }
        if (first < 0) {
          first = lowest = highest = i;
        } else {
          if (v < values[lowest]) lowest = i;
          if (v > values[highest]) highest = i;
        }
        last = i;
      }
      scratch[base] = first;
      scratch[base + 1] = lowest;
      scratch[base + 2] = highest;
      scratch[base + 3] = last;
      scratch[base + 4] = missing;
    }
    // Ascending and without repeats: the scratch is small, so an insertion sort in place.
    const taken = scratch.length;
    for (let a = 1; a < taken; a++) {
      const v = scratch[a];
      let b = a - 1;
      while (b >= 0 && scratch[b] > v) {
        scratch[b + 1] = scratch[b];
        b--;
      }
      scratch[b + 1] = v;
    }
    let previous = -1;
    for (let a = 0; a < taken; a++) {
      const index = scratch[a];
      if (index < 0 || index === previous) continue;
      kept[keptCount++] = index;
      previous = index;
    }
    start = stop;
  }
  return kept.slice(0, keptCount);
}
