import { backoffCeiling, backoffDelay } from "./backoff";
import { resolveReconnect } from "./options";

const o = { initialDelayMs: 200, maxDelayMs: 3000 };

test("the ceiling doubles from the initial delay and stops at the maximum", () => {
  expect([0, 1, 2, 3, 4, 5, 10, 100].map((a) => backoffCeiling(a, o))).toEqual([200, 400, 800, 1600, 3000, 3000, 3000, 3000]);
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

test("reconnect options: documented defaults, and nonsense refused", () => {
  expect(resolveReconnect()).toEqual({ maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 3000 });
  expect(resolveReconnect({ maxAttempts: 2 })).toEqual({ maxAttempts: 2, initialDelayMs: 200, maxDelayMs: 3000 });
  expect(() => resolveReconnect({ maxAttempts: -1 })).toThrow(RangeError);
  expect(() => resolveReconnect({ maxAttempts: 1.5 })).toThrow(RangeError);
  expect(() => resolveReconnect({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
  expect(() => resolveReconnect({ initialDelayMs: Number.NaN })).toThrow(RangeError);
});
