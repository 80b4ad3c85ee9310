import { Redis } from "ioredis";
import { type RedisProcess, startRedis } from "../../testkit/redis-server.js";
import { measure } from "./calls.js";

// One tiny case each way against a private redis-server: every call the figures count reached
// Redis (its own count of EVALSHA), and the CPU figures are there. No time or rate is asserted.

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(() => server?.stop());

async function evalshaCalls(url: string): Promise<number> {
  const r = new Redis(url);
  try {
    const info = (await r.info("commandstats")) as string;
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    r.disconnect();
  }
}

test.each([true, false])(
  "auto-pipelining %s: every counted call reached Redis, and its CPU is measured",
  async (on) => {
    const before = await evalshaCalls(server.url);
    const f = await measure(server.url, { autoPipelining: on, callers: 3 }, 300);
    // As many calls again went first, unmeasured (the warm-up).
    expect(await evalshaCalls(server.url)).toBe(before + 2 * 300);
    expect(f).toMatchObject({ autoPipelining: on, callers: 3, calls: 300 });
    expect(f.cpuUsPerCall).toBeGreaterThan(0);
    expect(f.userUsPerCall + f.systemUsPerCall).toBeCloseTo(f.cpuUsPerCall);
    expect(f.callsPerSecond).toBeGreaterThan(0);
  },
);
