import type { Cluster as RedisClusterClient } from "ioredis";
import { CellStore } from "../common/store/cells/cell-store.js";
import { CellMapKeys, cellKeys } from "../common/store/cells/cell-keys.js";
import { connectCluster } from "../common/store/cluster-connection.js";
import { slotOf } from "../common/store/cells/slot.js";
import { RedisStore } from "../common/store/redis-store.js";
import { type RedisCluster, startRedisCluster } from "../testkit/redis-cluster.js";
import type { NetHost } from "../testkit/netns.js";
import { type RedisProcess, startRedis } from "../testkit/redis-server.js";
import { CHECK } from "./consistency.js";
import { type Fault, storeBack, type World } from "./faults.js";

// Where a chaos run keeps its rooms: one Redis (with AOF, restarted as its fault) or a private
// Redis Cluster of 3 masters and 3 replicas (a master SIGKILLed under load as its fault, so its
// replica is promoted). Each backend brings its store fault and its end-of-run consistency check.

export type StoreKind = "redis" | "cluster";

export interface Backend {
  kind: StoreKind;
  url: string;
  store: RedisStore | CellStore;
  /** The fault that takes (part of) the store away. */
  fault: Fault;
  /** Every server's reservations match the rooms mapped to it, cell by cell on a cluster. */
  consistency(keyPrefix: string): Promise<string[]>;
  /** Stopped from outside: no redis-server of the run outlives it. */
  killNow(): void;
  stop(): Promise<void>;
}

/** One Redis runs on `host` when given; a Redis Cluster stays on loopback (its nodes announce 127.0.0.1). */
export async function startBackend(kind: StoreKind, keyPrefix: string, host?: NetHost): Promise<Backend> {
  return kind === "cluster" ? clusterBackend(await startRedisCluster(), keyPrefix) : redisBackend(keyPrefix, host);
}

async function redisBackend(keyPrefix: string, host?: NetHost): Promise<Backend> {
  const redis = await startRedis({ appendfsync: "always", host });
  const store = new RedisStore({ redis: redis.url, keyPrefix });
  return {
    kind: "redis",
    url: redis.url,
    store,
    fault: restartRedis(redis),
    consistency: async (prefix) => (await store.redis.eval(CHECK, 0, prefix)) as string[],
    killNow: () => redis.child.kill("SIGKILL"),
    stop: async () => {
      await store.close().catch(() => {});
      await redis.stop();
    },
  };
}

function restartRedis(redis: RedisProcess): Fault {
  return {
    name: "restart Redis",
    async inject(w) {
      w.marks.redisDownAt = Date.now();
      await redis.halt("SIGTERM");
      w.log(`  Redis down for ${w.redisDownMs} ms`);
      await new Promise((r) => setTimeout(r, w.redisDownMs)); // the outage itself, not a wait for an event
      await redis.restart();
      w.marks.redisUpAt = Date.now();
    },
    async heal(w) {
      // Each process reconnects on its own backoff: the fault is over once all of them are back,
      // not when redis-server is, or its tail would count against the next fault.
      await Promise.all(w.cluster.procs.map((p) => storeBack(p, w.marks.redisDownAt ?? 0)));
    },
  };
}

/**
 * How stale a process's map of slots may be after a promotion (cluster-connection.ts re-reads it
 * every second): until then, commands for the dead master's slots may still fail.
 */
const SLOT_MAP_STALENESS_MS = 1000;

function clusterBackend(redis: RedisCluster, keyPrefix: string): Backend {
  const client = connectCluster(redis.url);
  const store = new CellStore({ redis: client, keyPrefix });
  let victim: RedisProcess | undefined;
  return {
    kind: "cluster",
    url: redis.url,
    store,
    fault: {
      name: "SIGKILL a Redis Cluster master",
      async inject(w) {
        victim = await busiestMaster(redis, client, store, keyPrefix, w);
        w.marks.redisDownAt = Date.now();
        await victim.halt("SIGKILL");
        await redis.ready(30_000);
        w.log(`  a replica was promoted ${Date.now() - w.marks.redisDownAt} ms after the kill`);
        w.marks.redisUpAt = Date.now() + SLOT_MAP_STALENESS_MS;
      },
      async heal(w) {
        // The old master comes back as a replica of the one promoted in its place.
        await victim?.restart();
        await redis.ready(30_000);
        w.log("  the killed node is back, as a replica");
      },
    },
    consistency: async (prefix) => {
      const cells = Object.keys(await client.hgetall(new CellMapKeys(prefix).sizes));
      const problems: string[] = [];
      for (const cell of cells) {
        const keys = cellKeys(prefix, Number(cell));
        // One key of the cell routes the check to its node; the rest of its keys share the slot.
        const found = (await client.eval(CHECK, 1, keys.servers, keys.prefix)) as string[];
        problems.push(...found.map((p) => `cell ${cell}: ${p}`));
      }
      return problems;
    },
    killNow: () => {
      for (const n of redis.nodes) n.child.kill("SIGKILL");
    },
    stop: async () => {
      await store.close().catch(() => {});
      await redis.stop();
    },
  };
}

/** The master serving the cells that hold the most rooms: the fault hurts as many players as it can. */
async function busiestMaster(
  redis: RedisCluster,
  client: RedisClusterClient,
  store: CellStore,
  keyPrefix: string,
  w: World,
) {
  const byNode = new Map<string, number>();
  const cellOf = await client.hgetall(new CellMapKeys(keyPrefix).serverCells);
  for (const [serverId, cell] of Object.entries(cellOf)) {
    const rooms = (await store.listServerRooms(serverId).catch(() => [])).length;
    const node = client.slots[slotOf(cellKeys(keyPrefix, Number(cell)).servers)]?.[0] ?? "";
    byNode.set(node, (byNode.get(node) ?? 0) + rooms);
  }
  const [addr, rooms] = [...byNode].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
  const masters = await redis.masters();
  const victim = masters.find((m) => `127.0.0.1:${m.port}` === addr) ?? masters[0]!;
  w.log(`  target master 127.0.0.1:${victim.port} with ${rooms} rooms in its cells`);
  return victim;
}
