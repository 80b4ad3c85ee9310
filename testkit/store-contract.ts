import { RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { MemoryStore } from "../common/store/memory-store.js";
import { RedisStore } from "../common/store/redis-store.js";
import type { AllocateInput, EventHistoryLimits, RoomStore, ServerRegistration } from "../common/store/store.js";
import { CellStore } from "../common/store/cells/cell-store.js";
import { connectCluster } from "../common/store/cluster-connection.js";
import { redisClusterUrl, redisUrl, uniquePrefix } from "./test-redis.js";

// What the store contract suites (common/store/*.contract.test.ts) share: every implementation,
// and inputs with plain defaults.

/** What a contract suite may set on a store it makes. */
export interface StoreOptions {
  eventHistory?: EventHistoryLimits;
}

export const configurable: [string, (o?: StoreOptions) => RoomStore][] = [
  ["MemoryStore", (o) => new MemoryStore(o)],
  ["RedisStore", (o) => new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("contract"), ...o })],
  [
    "CellStore",
    (o) => new CellStore({ redis: connectCluster(redisClusterUrl()), keyPrefix: uniquePrefix("contract"), ...o }),
  ],
];

export const implementations: [string, () => RoomStore][] = configurable.map(([name, make]) => [name, () => make()]);

export const reg = (id: string, over: Partial<ServerRegistration> = {}): ServerRegistration => ({
  id,
  address: `ws://127.0.0.1:${id.length}`,
  region: "eu",
  zone: "",
  labels: {},
  maxRooms: 2,
  maxPlayers: 16,
  reportIntervalMs: 1000,
  managerId: "m1",
  nowMs: 1000,
  expiresAtMs: 4000,
  ...over,
});

let seq = 0;
export const alloc = (over: Partial<AllocateInput> = {}): AllocateInput => ({
  roomId: `room${++seq}`.padEnd(22, "x"),
  strategy: "distributed",
  regions: [],
  labels: {},
  excluded: [],
  seats: 4,
  creatorPlayerId: "p_creator",
  idempotencyTtlMs: 60_000,
  nowMs: 2000,
  openDeadlineMs: 4000,
  holdUntilMs: 60_000,
  visibility: RoomVisibility.PRIVATE,
  mode: "",
  metadata: {},
  ...over,
});

/** A fresh store in which Manager m1 (every reg()'s) is alive for an hour of store time. */
export async function freshStore(make: () => RoomStore): Promise<RoomStore> {
  const store = make();
  await store.heartbeat({ managerId: "m1", nowMs: 0, ttlMs: 3_600_000 });
  return store;
}

/** An OPEN room: allocated, then confirmed by its server (throws when either is refused). */
export async function openRoom(store: RoomStore, over: Partial<AllocateInput> = {}) {
  const r = await store.allocateRoom(alloc(over));
  if (r.kind !== "created") throw new Error(`allocation: ${r.kind}`);
  const confirmed = await store.confirmRoom({
    roomId: r.room.roomId,
    serverId: r.room.serverId,
    nowMs: over.nowMs ?? 2000,
  });
  if (!confirmed) throw new Error("the room's server could not confirm it");
  return r.room;
}
