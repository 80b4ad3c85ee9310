import { create } from "@bufbuild/protobuf";
import { GameServerState } from "../../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventKind, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import { redisUrl, uniquePrefix } from "../../test/harness/state";
import { MemoryStore } from "./memory-store";
import { RedisStore } from "./redis-store";
import type { AllocateInput, RoomStore, ServerRegistration } from "./store";

// One contract, every implementation (as Colyseus runs its Presence tests over each backend).
const implementations: [string, () => RoomStore][] = [
  ["MemoryStore", () => new MemoryStore()],
  ["RedisStore", () => new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("contract") })],
];

const reg = (id: string, over: Partial<ServerRegistration> = {}): ServerRegistration => ({
  id, address: `ws://127.0.0.1:${id.length}`, region: "eu", maxRooms: 2, maxPlayers: 16, reportIntervalMs: 1000, nowMs: 1000, ...over,
});

let seq = 0;
const alloc = (over: Partial<AllocateInput> = {}): AllocateInput => ({
  roomId: `room${++seq}`.padEnd(22, "x"), candidates: [{ serverId: "a", tier: 0 }, { serverId: "b", tier: 0 }],
  maxPlayers: 4, creatorPlayerId: "p_creator", idempotencyTtlMs: 60_000, nowMs: 2000, ...over,
});

describe.each(implementations)("%s", (_name, make) => {
  let store: RoomStore;
  beforeEach(() => { store = make(); });
  afterEach(async () => { await store.close(); });

  test("registration bumps the epoch and keeps the server's rooms", async () => {
    const first = await store.registerServer(reg("a"));
    const created = await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }));
    expect(created.kind).toBe("created");
    const again = await store.registerServer(reg("a"));
    expect(again.epoch).toBe(first.epoch + 1);
    expect(again.roomIds).toHaveLength(1);
    const s = await store.getServer("a");
    expect(s).toMatchObject({ id: "a", state: GameServerState.LIVE, reservedRooms: 1, reservedSeats: 4, epoch: again.epoch });
  });

  test("allocation picks the least-loaded live server and records the room", async () => {
    await store.registerServer(reg("a", { maxRooms: 4 }));
    await store.registerServer(reg("b", { maxRooms: 4 }));
    const r1 = await store.allocateRoom(alloc());
    const r2 = await store.allocateRoom(alloc());
    if (r1.kind !== "created" || r2.kind !== "created") throw new Error("expected two rooms");
    expect(new Set([r1.room.serverId, r2.room.serverId])).toEqual(new Set(["a", "b"]));
    const got = await store.getRoom(r1.room.roomId);
    expect(got).toMatchObject({ roomId: r1.room.roomId, serverId: r1.room.serverId, maxPlayers: 4, region: "eu", creatorPlayerId: "p_creator" });
    expect(got!.serverAddress).toMatch(/^ws:\/\//);
  });

  test("never exceeds room or seat capacity, and says full", async () => {
    await store.registerServer(reg("a", { maxRooms: 2, maxPlayers: 100 }));
    await store.registerServer(reg("b", { maxRooms: 10, maxPlayers: 8 }));
    const results = await Promise.all(Array.from({ length: 10 }, () => store.allocateRoom(alloc())));
    const created = results.filter((r) => r.kind === "created");
    // a: 2 rooms (room limit); b: 2 rooms of 4 seats (seat limit).
    expect(created).toHaveLength(4);
    expect(results.filter((r) => r.kind === "full")).toHaveLength(6);
    expect((await store.getServer("a"))!.reservedRooms).toBe(2);
    expect((await store.getServer("b"))!.reservedSeats).toBe(8);
  });

  test("prefers lower tiers and falls back to higher ones", async () => {
    await store.registerServer(reg("a", { maxRooms: 1 }));
    await store.registerServer(reg("b", { maxRooms: 5 }));
    const candidates = [{ serverId: "a", tier: 0 }, { serverId: "b", tier: 1 }];
    const r1 = await store.allocateRoom(alloc({ candidates }));
    const r2 = await store.allocateRoom(alloc({ candidates }));
    expect(r1.kind === "created" && r1.room.serverId).toBe("a");
    expect(r2.kind === "created" && r2.room.serverId).toBe("b");
  });

  test("skips servers that are not live", async () => {
    const a = await store.registerServer(reg("a"));
    expect(await store.setServerState("a", a.epoch, GameServerState.SUSPECT)).toBe(true);
    expect((await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }))).kind).toBe("full");
    expect(await store.setServerState("a", a.epoch + 7, GameServerState.LIVE)).toBe(false);
  });

  test("never overwrites an existing room id", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const input = alloc();
    expect((await store.allocateRoom(input)).kind).toBe("created");
    expect((await store.allocateRoom({ ...input, creatorPlayerId: "other" })).kind).toBe("collision");
    expect((await store.getRoom(input.roomId))!.creatorPlayerId).toBe("p_creator");
  });

  test("an idempotency key returns the same room, never a twin", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.allocateRoom(alloc({ requestId: "req-1" }))),
    );
    const ids = new Set(results.map((r) => (r.kind === "created" || r.kind === "existing" ? r.room.roomId : r.kind)));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.kind === "created")).toHaveLength(1);
    expect((await store.getServer("a"))!.reservedRooms).toBe(1);
  });

  test("deleting a room frees its capacity at once, and only on the named server", async () => {
    await store.registerServer(reg("a", { maxRooms: 1 }));
    const r = await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }));
    if (r.kind !== "created") throw new Error("expected a room");
    expect(await store.deleteRoom(r.room.roomId, "b")).toBe(false);
    expect(await store.deleteRoom(r.room.roomId, "a")).toBe(true);
    expect(await store.deleteRoom(r.room.roomId)).toBe(false);
    expect(await store.getRoom(r.room.roomId)).toBeUndefined();
    expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.listServerRooms("a")).toEqual([]);
    expect((await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }))).kind).toBe("created");
  });

  test("removing a dead server removes its rooms, unless it re-registered", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3 }));
    const rooms = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }));
      if (r.kind === "created") rooms.push(r.room.roomId);
    }
    await store.registerServer(reg("a", { maxRooms: 3 }));
    expect(await store.removeServer("a", a.epoch)).toBeUndefined();
    const removed = await store.removeServer("a", a.epoch + 1);
    expect(new Set(removed)).toEqual(new Set(rooms));
    for (const id of rooms) expect(await store.getRoom(id)).toBeUndefined();
    expect(await store.getServer("a")).toBeUndefined();
    expect(await store.listServers()).toEqual([]);
  });

  test("records load and player counts", async () => {
    const a = await store.registerServer(reg("a"));
    expect(await store.recordLoad("a", a.epoch, 7, 5000)).toBe(true);
    const r = await store.allocateRoom(alloc({ candidates: [{ serverId: "a", tier: 0 }] }));
    if (r.kind !== "created") throw new Error("expected a room");
    expect(await store.setRoomPlayers(r.room.roomId, "a", 3)).toBe(true);
    expect(await store.setRoomPlayers(r.room.roomId, "b", 1)).toBe(false);
    expect((await store.getRoom(r.room.roomId))!.playerCount).toBe(3);
    const s = await store.getServer("a");
    expect(s!.players).toBe(7);
    expect(Number(s!.lastReportTime!.seconds)).toBe(5);
  });

  test("events reach every subscriber until it unsubscribes", async () => {
    const a: ClusterEvent[] = [];
    const b: ClusterEvent[] = [];
    let aGotOne!: () => void;
    const firstForA = new Promise<void>((r) => (aGotOne = r));
    let bGotTwo!: () => void;
    const twoForB = new Promise<void>((r) => (bGotTwo = r));
    const stopA = await store.subscribeEvents((e) => {
      a.push(e);
      aGotOne();
    });
    await store.subscribeEvents((e) => {
      b.push(e);
      if (b.length === 2) bGotTwo();
    });
    await store.publishEvent(create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_ALLOCATED, roomId: "r1", serverId: "a" }));
    await firstForA;
    stopA();
    await store.publishEvent(create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_REMOVED, roomId: "r1", detail: "empty" }));
    await twoForB;
    // Both listeners hear an event in the same turn, so by now A would have heard the second.
    expect(a.map((e) => e.kind)).toEqual([ClusterEventKind.ROOM_ALLOCATED]);
    expect(b.map((e) => [e.kind, e.roomId])).toEqual([[ClusterEventKind.ROOM_ALLOCATED, "r1"], [ClusterEventKind.ROOM_REMOVED, "r1"]]);
    expect(b[1]!.detail).toBe("empty");
  });
});
