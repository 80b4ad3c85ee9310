import { type Backoff, backoffCeiling, backoffDelay } from "./backoff.js";

// The SDK's reconnect schedule by default; the other callers differ only in their numbers.
const o: Backoff = { initialDelayMs: 200, maxDelayMs: 3000, jitter: 0.5 };

test("the ceiling doubles from the initial delay and stops at the maximum", () => {
  expect([0, 1, 2, 3, 4, 5, 10, 100].map((a) => backoffCeiling(a, o))).toEqual([
    200, 400, 800, 1600, 3000, 3000, 3000, 3000,
  ]);
});

test("delays stay within [ceiling/2, ceiling] and never exceed maxDelayMs", () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const c = backoffCeiling(attempt, o);
    expect(backoffDelay(attempt, o, () => 0)).toBe(c / 2);
    expect(backoffDelay(attempt, o, () => 0.999999)).toBeLessThanOrEqual(c);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(attempt, o);
      expect(d).toBeGreaterThanOrEqual(c / 2);
      expect(d).toBeLessThanOrEqual(o.maxDelayMs);
    }
  }
});

test("jitter spreads delays of the same attempt", () => {
  const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, o)));
  expect(delays.size).toBeGreaterThan(1);
});

test("huge attempt numbers do not overflow to Infinity or NaN", () => {
  expect(backoffDelay(5000, o, () => 1)).toBe(3000);
});

test("jitter is the random share of the ceiling: none, half, all", () => {
  const at = (jitter: number, r: number) => backoffDelay(2, { ...o, jitter }, () => r);
  expect([at(0, 0), at(0, 1)]).toEqual([800, 800]);
  expect([at(0.5, 0), at(0.5, 0.5), at(0.5, 1)]).toEqual([400, 600, 800]);
  expect([at(1, 0), at(1, 0.25), at(1, 1)]).toEqual([0, 200, 800]);
});

test("equal jitter gives the delays every caller had before it shared this formula", () => {
  // The SDK's and the dashboard's old formula: ceiling / 2 + random * ceiling / 2.
  // The game server's and the Redis client's: ceiling * (0.5 + random / 2).
  const schedules: Backoff[] = [
    o,
    { initialDelayMs: 500, maxDelayMs: 15_000, jitter: 0.5 }, // the dashboard's feed
    { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }, // a game server's Manager stream
    { initialDelayMs: 50, maxDelayMs: 1000, jitter: 0.5 }, // the Redis client
  ];
  for (const b of schedules) {
    for (let attempt = 0; attempt < 12; attempt++) {
      const c = Math.min(b.maxDelayMs, b.initialDelayMs * 2 ** attempt);
      for (const r of [0, 0.1, 0.37, 0.5, 0.999]) {
        expect(backoffDelay(attempt, b, () => r)).toBeCloseTo(c / 2 + (r * c) / 2, 9);
        expect(backoffDelay(attempt, b, () => r)).toBeCloseTo(c * (0.5 + r / 2), 9);
      }
    }
  }
});
