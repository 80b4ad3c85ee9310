import type { Redis } from "ioredis";
import type { Cluster } from "../../testkit/cluster.js";

// Between phases the mesh should return to empty: rooms whose players left are closed by the
// game server and removed from Redis by the Manager. Waiting for that keeps one phase's clean-up
// out of the next phase's figures, and what never drains is reported as a leak.

export interface Leftovers {
  /** Rooms the game servers still hold (from their /healthz), by server id. */
  serverRooms: Record<string, number | null>;
  /** {prefix}room:* keys still in Redis. */
  redisRoomKeys: number;
  waitedMs: number;
  drained: boolean;
}

async function serverRooms(cluster: Cluster): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  await Promise.all(
    cluster.gameServers.map(async (g) => {
      try {
        const res = await fetch(`http://127.0.0.1:${g.port}/healthz`, { signal: AbortSignal.timeout(2000) });
        out[g.id] = Number(((await res.json()) as { rooms?: number }).rooms);
      } catch {
        out[g.id] = null;
      }
    }),
  );
  return out;
}

async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let n = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    n += keys.length;
    cursor = next;
  } while (cursor !== "0");
  return n;
}

export async function waitForEmpty(
  cluster: Cluster,
  redis: Redis,
  keyPrefix: string,
  limitMs: number,
): Promise<Leftovers> {
  const t0 = performance.now();
  for (;;) {
    const rooms = await serverRooms(cluster);
    const keys = await countKeys(redis, `${keyPrefix}room:*`);
    const waitedMs = performance.now() - t0;
    const drained = keys === 0 && Object.values(rooms).every((n) => n === 0);
    if (drained || waitedMs >= limitMs) return { serverRooms: rooms, redisRoomKeys: keys, waitedMs, drained };
    await new Promise((r) => setTimeout(r, 200));
  }
}
