import { RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import { redisUrl, uniquePrefix } from "../../test/harness/state";
import { MemoryStore } from "./memory-store";
import { RedisStore } from "./redis-store";
import type { AllocateInput, RoomStore, ServerRegistration } from "./store";

// What the store contract suites share: every implementation, and inputs with plain defaults.

export const implementations: [string, () => RoomStore][] = [
  ["MemoryStore", () => new MemoryStore()],
  ["RedisStore", () => new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("contract") })],
];

export const reg = (id: string, over: Partial<ServerRegistration> = {}): ServerRegistration => ({
  id, address: `ws://127.0.0.1:${id.length}`, region: "eu", zone: "", labels: {}, maxRooms: 2, maxPlayers: 16, reportIntervalMs: 1000,
  managerId: "m1", nowMs: 1000, expiresAtMs: 4000, ...over,
});

let seq = 0;
export const alloc = (over: Partial<AllocateInput> = {}): AllocateInput => ({
  roomId: `room${++seq}`.padEnd(22, "x"), strategy: "distributed", regions: [], labels: {}, excluded: [],
  seats: 4, creatorPlayerId: "p_creator", idempotencyTtlMs: 60_000, nowMs: 2000, openDeadlineMs: 4000, holdUntilMs: 60_000,
  visibility: RoomVisibility.PRIVATE, mode: "", metadata: {}, ...over,
});
