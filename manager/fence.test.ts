import { fenceMs, MIN_FENCE_MS } from "./fence";

test("the lease: the deadline less the margin, the margin at most a sixth of the deadline", () => {
  expect(fenceMs(1000, 3, 500)).toBe(2500);
  expect(fenceMs(1000, 3, 2000)).toBe(2500); // a sixth of 3 s
  expect(fenceMs(500, 6, 500)).toBe(2500);
  expect(fenceMs(1000, 3, -5)).toBe(3000 - 0);
});

test("fencing off: no margin configured, or a lease under the minimum", () => {
  expect(fenceMs(1000, 3, undefined)).toBe(0);
  expect(fenceMs(200, 3, 500)).toBe(0);
  expect(fenceMs(400, 3, 0)).toBe(MIN_FENCE_MS + 200);
});
