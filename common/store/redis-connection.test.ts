import { failFastOptions } from "./redis-connection";

// ioredis calls retryStrategy with attempts counted from 1; the delay is rounded to whole ms.
test("Redis reconnects start near 50 ms, double, stop at the cap and never give up", () => {
  const random = jest.spyOn(Math, "random");
  try {
    const retry = failFastOptions({ reconnectMaxDelayMs: 1000 }).retryStrategy!;
    const delays = (r: number) => {
      random.mockReturnValue(r);
      return [1, 2, 3, 4, 5, 6, 50, 10_000].map((times) => retry(times));
    };
    expect(delays(0)).toEqual([25, 50, 100, 200, 400, 500, 500, 500]);
    expect(delays(1)).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
    expect(delays(0.5)).toEqual([38, 75, 150, 300, 600, 750, 750, 750]);
  } finally {
    random.mockRestore();
  }
});
