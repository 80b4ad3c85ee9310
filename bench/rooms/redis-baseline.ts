import type { Redis } from "ioredis";
import { OpError } from "../lib/errors.js";
import { redisClient } from "../lib/redis.js";
import { runPhase, type PhaseContext, type PhaseResult } from "../lib/phase.js";

// The yardstick: plain SET+GET pairs against the same redis-server, measured in the same run, so
// the room figures can be read as "so many Redis round trips" whatever the machine's speed.

// About the size of a room's hash in the store, so the pair moves comparable bytes.
const VALUE = "x".repeat(128);
const WARM_PAIRS = 20;

export interface RedisPhaseInput extends PhaseContext {
  name: string;
  redisUrl: string;
  keyPrefix: string;
  total: number;
  /** Loops at once, each on its own connection, as independent clients would be. */
  concurrency: number;
  signal: AbortSignal;
}

export async function redisPairs(p: RedisPhaseInput): Promise<PhaseResult> {
  const clients: Redis[] = [];
  try {
    for (let i = 0; i < p.concurrency; i++) clients.push(redisClient(p.redisUrl));
    // Connecting and the first, cold round trips are not part of a pair's latency.
    await Promise.all(clients.map((c) => c.connect()));
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < WARM_PAIRS; n++)
          await c.set(`${p.keyPrefix}bench:warm:${i}`, VALUE).then(() => c.get(`${p.keyPrefix}bench:warm:${i}`));
      }),
    );
    return await runPhase({
      ...p,
      op: async (i, w) => {
        const c = clients[w]!;
        const key = `${p.keyPrefix}bench:pair:${i}`;
        const t0 = performance.now();
        await c.set(key, VALUE);
        const got = await c.get(key);
        const ms = performance.now() - t0;
        if (got !== VALUE)
          throw new OpError(
            "redis value mismatch",
            `GET ${key} returned ${got === null ? "nothing" : "another value"}`,
          );
        return ms;
      },
    });
  } finally {
    for (const c of clients) c.disconnect();
  }
}
