// Latency summaries. Percentiles are nearest-rank on the sorted samples: every reported figure is
// a latency that was actually observed, not an interpolation between two.

export interface Summary {
  n: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function sortedCopy(samples: readonly number[]): Float64Array {
  return Float64Array.from(samples).sort();
}

/** Nearest-rank quantile of ascending samples; q in [0, 1]. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const s = sortedCopy(samples);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    min: s[0]!,
    mean: sum / s.length,
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    p999: quantile(s, 0.999),
    max: s[s.length - 1]!,
  };
}

/** a / b, or NaN when either side is missing, so a failed phase shows as "n/a" rather than 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** Keeps JSON results readable and small: microsecond resolution is below the noise anyway. */
export function roundMs(v: number): number {
  return Math.round(v * 1000) / 1000;
}
