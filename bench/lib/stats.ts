import { build, type Histogram } from "hdr-histogram-js";

// Latency summaries over an HDR histogram. Percentiles are nearest-rank (the value at rank
// ceil(q * n)), as HdrHistogram defines them, so every figure is a latency that was observed, at
// the histogram's resolution: samples are recorded as whole units (by default microseconds, what
// the JSON results keep) with five significant digits, which is exact below 2^18 units (262 ms)
// and within 4 parts in a million above (never above the largest sample).

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

/** Recorded units per millisecond by default: samples in ms are kept to the microsecond. */
export const UNITS_PER_MS = 1000;

export class Distribution {
  private readonly h: Histogram;

  /**
   * @param scale recorded units per sample unit (1 for samples that are whole numbers already).
   * @param digits significant digits kept; fewer make quantiles faster and coarser (a chart needs 3).
   */
  constructor(
    samples: readonly number[],
    private readonly scale = UNITS_PER_MS,
    digits: 3 | 5 = 5,
  ) {
    const units = samples.map((v) => Math.round(v * scale));
    let largest = 2;
    for (const u of units) largest = Math.max(largest, u);
    // Sized for the largest sample at once, so recording never resizes the counts array.
    this.h = build({ numberOfSignificantValueDigits: digits, highestTrackableValue: largest });
    for (const u of units) this.h.recordValue(u);
  }

  get n(): number {
    return this.h.totalCount;
  }

  /** Nearest-rank quantile, q in [0, 1]; NaN when there are no samples. */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    // The histogram answers with the top of the sample's bucket, which can pass the largest sample.
    return Math.min(this.h.getValueAtPercentile(100 * q), this.h.maxValue) / this.scale;
  }

  get min(): number {
    return this.quantile(0);
  }

  get max(): number {
    return this.n === 0 ? NaN : this.h.maxValue / this.scale;
  }

  get mean(): number {
    return this.n === 0 ? NaN : this.h.mean / this.scale;
  }
}

export function summarize(samples: readonly number[], scale = UNITS_PER_MS): Summary | undefined {
  if (samples.length === 0) return undefined;
  const d = new Distribution(samples, scale);
  return {
    n: d.n,
    min: d.min,
    mean: d.mean,
    p50: d.quantile(0.5),
    p90: d.quantile(0.9),
    p99: d.quantile(0.99),
    p999: d.quantile(0.999),
    max: d.max,
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
