import { Redis } from "ioredis";
import { RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import { CellStore } from "../../common/store/cells/cell-store.js";
import { connectCluster } from "../../common/store/cluster-connection.js";
import { newRoomId } from "../../common/ids.js";
import type { RedisCluster } from "../../testkit/redis-cluster.js";
import type { Counts } from "../lib/progress.js";

// A simulated fleet on a Redis Cluster, driven through the cell store exactly as a Manager drives
// it: servers registered (one region, CELL_MAX_SERVERS a cell), then allocations in flight at once.

export const MANAGER = "bench-manager";
const HOUR = 3_600_000;

export async function fleetStore(cluster: RedisCluster, prefix: string, cells: number, perCell: number) {
  // No replicas in these clusters: nothing to wait for.
  const store = new CellStore({
    redis: connectCluster(cluster.url, { commandTimeoutMs: 10_000 }),
    keyPrefix: prefix,
    maxServersPerCell: perCell,
    replication: { replicas: 0, timeoutMs: 0 },
  });
  const now = Date.now();
  await store.heartbeat({ managerId: MANAGER, nowMs: now, ttlMs: HOUR });
  for (let i = 0; i < cells * perCell; i++) {
    await store.registerServer({
      id: `sim-${i}`,
      address: `ws://10.0.0.${i % 250}:7000`,
      region: "bench",
      zone: "",
      labels: {},
      maxRooms: 1_000_000,
      maxPlayers: 4_000_000,
      reportIntervalMs: HOUR,
      managerId: MANAGER,
      nowMs: now,
      expiresAtMs: now + HOUR,
    });
  }
  return store;
}

/** `total` rooms allocated (and confirmed open, when asked), `concurrency` at a time; ids of the rooms made. */
export async function allocate(
  store: CellStore,
  o: { total: number; concurrency: number; confirm: boolean; signal: AbortSignal },
  counts: Counts,
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < o.total && !o.signal.aborted) {
      next++;
      const now = Date.now();
      try {
        const r = await store.allocateRoom({
          roomId: newRoomId(),
          strategy: "distributed",
          regions: ["bench"],
          labels: {},
          excluded: [],
          seats: 4,
          creatorPlayerId: "p_bench",
          idempotencyTtlMs: 60_000,
          nowMs: now,
          // Short: the claim of each allocation expires soon after, as it does in a deployment.
          openDeadlineMs: now + 2000,
          holdUntilMs: now + 10_000,
          visibility: RoomVisibility.PRIVATE,
          mode: "",
          metadata: {},
          managerId: MANAGER,
        });
        if (r.kind !== "created") throw new Error(`allocation: ${r.kind}`);
        if (o.confirm) await store.confirmRoom({ roomId: r.room.roomId, serverId: r.room.serverId, nowMs: Date.now() });
        ids.push(r.room.roomId);
        counts.done++;
      } catch {
        counts.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return ids;
}

export interface MasterStats {
  address: string;
  evalsha: number;
  cpuSeconds: number;
  usedMemory: number;
  keys: number;
}

/** Each master's script calls, CPU and memory now (INFO), to difference around a phase. */
export async function masterStats(cluster: RedisCluster): Promise<MasterStats[]> {
  const out: MasterStats[] = [];
  for (const m of await cluster.masters()) {
    const r = new Redis({ port: m.port, host: "127.0.0.1", lazyConnect: true });
    try {
      await r.connect();
      const info = await r.info("everything");
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
      const evalsha = Number(/^cmdstat_evalsha:calls=(\d+)/m.exec(info)?.[1] ?? 0);
      out.push({
        address: `127.0.0.1:${m.port}`,
        evalsha,
        cpuSeconds: field("used_cpu_user") + field("used_cpu_sys"),
        usedMemory: field("used_memory"),
        keys: Number(/^db0:keys=(\d+)/m.exec(info)?.[1] ?? 0),
      });
    } finally {
      r.disconnect();
    }
  }
  return out;
}
