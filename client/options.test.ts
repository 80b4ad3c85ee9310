import { resolveReconnect } from "./options.js";

test("reconnect options: documented defaults, and nonsense refused", () => {
  expect(resolveReconnect()).toEqual({ maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 3000, jitter: 0.5 });
  expect(resolveReconnect({ maxAttempts: 2 })).toEqual({
    maxAttempts: 2,
    initialDelayMs: 200,
    maxDelayMs: 3000,
    jitter: 0.5,
  });
  expect(() => resolveReconnect({ maxAttempts: -1 })).toThrow(RangeError);
  expect(() => resolveReconnect({ maxAttempts: 1.5 })).toThrow(RangeError);
  expect(() => resolveReconnect({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
  expect(() => resolveReconnect({ initialDelayMs: Number.NaN })).toThrow(RangeError);
});
