import { Distribution, roundMs, summarize } from "./stats.js";
import { ms } from "./table.js";

// The histogram must give the figures the benchmarks printed when they sorted every sample:
// nearest-rank percentiles, to the microsecond the JSON keeps.

/** The sorted-array percentile the benchmarks used before the histogram, as the reference. */
function nearestRank(samples: readonly number[], q: number): number {
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Deterministic latencies from 20 µs to about 1.5 s, spread over decades as real ones are. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 0.02 * Math.exp((x / 2 ** 31) * 11.2);
  });
}

describe("bench stats", () => {
  test("known values: nearest rank, min, max and mean", () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ n: 5, min: 1, mean: 3, p50: 3, p90: 5, p99: 5, p999: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => (100 - i) / 10);
    expect(summarize(hundred)).toMatchObject({ n: 100, min: 0.1, p50: 5, p90: 9, p99: 9.9, p999: 10, max: 10 });
    expect(summarize([0.123, 0.0456, 12.345, 250.001])).toMatchObject({
      min: 0.046,
      p50: 0.123,
      p99: 250.001,
      max: 250.001,
    });
    expect(summarize([])).toBeUndefined();
  });

  test("whole-number samples (Redis script µs, zeros included) are kept exactly", () => {
    expect(summarize([0, 0, 1, 167, 153, 900, 2], 1)).toEqual({
      n: 7,
      min: 0,
      mean: 1223 / 7,
      p50: 2,
      p90: 900,
      p99: 900,
      p999: 900,
      max: 900,
    });
  });

  test.each([1, 2, 7, 10, 999, 1000, 5000, 100_000])("matches the sorted-array percentiles at n=%i", (n) => {
    const samples = latencies(n, n);
    const s = summarize(samples)!;
    for (const [q, got] of [
      [0, s.min],
      [0.5, s.p50],
      [0.9, s.p90],
      [0.99, s.p99],
      [0.999, s.p999],
      [1, s.max],
    ] as const) {
      const want = q === 0 ? Math.min(...samples) : nearestRank(samples, q);
      // Exact to the µs under 262 ms; above, within the histogram's 4 parts in a million.
      if (want < 262) expect(got).toBe(roundMs(want));
      else expect(Math.abs(got - want) / want).toBeLessThan(4e-6);
      // The printed figure differs at most when the µs rounding meets the printed digit's half-way point.
      if (want < 1) expect(ms(got)).toBe(ms(want));
    }
    expect(s.p999).toBeLessThanOrEqual(s.max);
    const mean = samples.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(s.mean - mean) / mean).toBeLessThan(1e-4);
  });

  test("a coarse distribution for charts stays within 0.1%", () => {
    const samples = latencies(5000, 3);
    const d = new Distribution(samples, 1e6, 3);
    for (const q of [0.1, 0.5, 0.9, 0.99, 0.999]) {
      const want = nearestRank(samples, q);
      expect(Math.abs(d.quantile(q) - want) / want).toBeLessThan(1e-3);
    }
  });
});
