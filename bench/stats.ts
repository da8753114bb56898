/** Statistics of the benchmark samples: exact definitions, so that figures can be checked by hand. */

/** The median of `samples`: the middle value, or the mean of the two middle values; NaN when empty. */
export function median(samples: readonly number[]): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The p-th percentile of `samples` by the nearest-rank method: the smallest sample that at least
 * p % of the samples do not exceed (sorted[ceil(p/100 · n) − 1]); NaN when empty.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

/** The 95th percentile (nearest rank). */
export function p95(samples: readonly number[]): number {
  return percentile(samples, 95);
}

/** `value` rounded to `digits` decimals (for reports; raw samples stay unrounded). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
