import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";

// One case of `npm run bench:redis-calls` (main.ts): `calls` EVALSHAs of a store-shaped script
// (one key, a few arguments) through one ioredis client, `callers` at a time, and what they cost
// this process in CPU.

export const SCRIPT = "return redis.call('HGET', KEYS[1], ARGV[1])";

export interface Case {
  autoPipelining: boolean;
  callers: number;
}

export interface Figures extends Case {
  cpuUsPerCall: number;
  userUsPerCall: number;
  systemUsPerCall: number;
  /** Calls measured (after as many unmeasured first). */
  calls: number;
  callsPerSecond: number;
}

export async function measure(url: string, c: Case, calls: number): Promise<Figures> {
  const redis = new Redis(url, { enableAutoPipelining: c.autoPipelining, lazyConnect: true });
  await redis.connect();
  try {
    const sha = (await redis.script("LOAD", SCRIPT)) as string;
    const each = Math.ceil(calls / c.callers);
    const run = () =>
      Promise.all(
        Array.from({ length: c.callers }, async (_, w) => {
          for (let i = 0; i < each; i++) await redis.evalsha(sha, 1, `bench:room:${w}`, "sv", String(i), "x");
        }),
      );
    await run(); // warm-up: JIT and the connection
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const made = each * c.callers;
    return {
      ...c,
      cpuUsPerCall: (cpu.user + cpu.system) / made,
      userUsPerCall: cpu.user / made,
      systemUsPerCall: cpu.system / made,
      calls: made,
      callsPerSecond: (made / ms) * 1000,
    };
  } finally {
    redis.disconnect();
  }
}
