import { create } from "@bufbuild/protobuf";
import { GameServerState, RoomState } from "../../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventKind, ClusterEventSchema } from "../../gen/roomgate/v1/gateway_pb.js";
import { alloc, implementations, reg } from "./contract-kit";
import type { RoomStore } from "./store";

describe.each(implementations)("%s", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = make();
    await store.heartbeat("m1", 0, 3_600_000);
  });
  afterEach(async () => { await store.close(); });

  test("registration bumps the epoch and keeps the server's rooms", async () => {
    const first = await store.registerServer(reg("a"));
    const created = await store.allocateRoom(alloc());
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

  test("prefers the asked-for region and falls back to others", async () => {
    await store.registerServer(reg("a", { maxRooms: 1, region: "us" }));
    await store.registerServer(reg("b", { maxRooms: 5, region: "eu" }));
    const r1 = await store.allocateRoom(alloc({ regions: ["us"] }));
    const r2 = await store.allocateRoom(alloc({ regions: ["us"] }));
    expect(r1.kind === "created" && r1.room.serverId).toBe("a");
    expect(r2.kind === "created" && r2.room.serverId).toBe("b");
  });

  test("distributed takes the server with the most free seats; packed the fullest that still fits", async () => {
    await store.registerServer(reg("small", { maxRooms: 10, maxPlayers: 10 }));
    await store.registerServer(reg("big", { maxRooms: 10, maxPlayers: 40 }));
    const spread = await store.allocateRoom(alloc({ seats: 4 }));
    expect(spread.kind === "created" && spread.room.serverId).toBe("big");
    // Packed fills "small" (6 free of 10) until a room no longer fits, then goes on to "big".
    const packed = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.allocateRoom(alloc({ seats: 4, strategy: "packed" }));
      packed.push(r.kind === "created" ? r.room.serverId : r.kind);
    }
    expect(packed).toEqual(["small", "small", "big"]);
    expect(await store.getServer("small")).toMatchObject({ reservedSeats: 8 });
  });

  test("a server at its room limit leaves the placement index, and comes back when a room goes", async () => {
    await store.registerServer(reg("a", { maxRooms: 1, maxPlayers: 100 }));
    await store.registerServer(reg("b", { maxRooms: 5, maxPlayers: 10 }));
    const first = await store.allocateRoom(alloc({ seats: 2 }));
    expect(first.kind === "created" && first.room.serverId).toBe("a");
    const second = await store.allocateRoom(alloc({ seats: 2 }));
    expect(second.kind === "created" && second.room.serverId).toBe("b");
    if (first.kind !== "created") throw new Error("expected a room");
    await store.deleteRoom(first.room.roomId);
    const third = await store.allocateRoom(alloc({ seats: 2 }));
    expect(third.kind === "created" && third.room.serverId).toBe("a");
  });

  test("a server that is not LIVE leaves the index and comes back in the region it registers in", async () => {
    const a = await store.registerServer(reg("a", { region: "eu" }));
    await store.setServerState("a", a.epoch, GameServerState.DRAINING);
    expect((await store.allocateRoom(alloc({ regions: ["eu"] }))).kind).toBe("none");
    await store.registerServer(reg("a", { region: "us" }));
    const r = await store.allocateRoom(alloc({ regions: ["eu"] }));
    expect(r.kind === "created" && r.room.region).toBe("us");
  });

  test("skips excluded servers, and says none when no live server is left", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    await store.registerServer(reg("b", { maxRooms: 5 }));
    for (let i = 0; i < 4; i++) {
      const r = await store.allocateRoom(alloc({ excluded: ["a"] }));
      expect(r.kind === "created" && r.room.serverId).toBe("b");
    }
    expect((await store.allocateRoom(alloc({ excluded: ["a", "b"] }))).kind).toBe("none");
  });

  test("skips servers that are not live", async () => {
    const a = await store.registerServer(reg("a"));
    expect(await store.setServerState("a", a.epoch, GameServerState.SUSPECT)).toBe(true);
    expect((await store.allocateRoom(alloc())).kind).toBe("none");
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
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    expect(await store.deleteRoom(r.room.roomId, "b")).toBe(false);
    expect(await store.deleteRoom(r.room.roomId, "a")).toBe(true);
    expect(await store.deleteRoom(r.room.roomId)).toBe(false);
    expect(await store.getRoom(r.room.roomId)).toBeUndefined();
    expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.listServerRooms("a")).toEqual([]);
    expect((await store.allocateRoom(alloc())).kind).toBe("created");
  });

  test("a room is OPENING until its server confirms it", async () => {
    await store.registerServer(reg("a"));
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    expect(r.room.state).toBe(RoomState.OPENING);
    expect(await store.confirmRoom(r.room.roomId, "b", 3000)).toBe(false);
    expect(await store.confirmRoom(r.room.roomId, "a", 3000)).toBe(true);
    expect(await store.confirmRoom(r.room.roomId, "a", 3000)).toBe(true);
    expect((await store.getRoom(r.room.roomId))!.state).toBe(RoomState.OPEN);
  });

  test("an OPENING room past its deadline is claimed by one caller at a time", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const late = await store.allocateRoom(alloc({ openDeadlineMs: 3000 }));
    const confirmed = await store.allocateRoom(alloc({ openDeadlineMs: 3000 }));
    await store.allocateRoom(alloc({ openDeadlineMs: 9000 }));
    if (late.kind !== "created" || confirmed.kind !== "created") throw new Error("expected rooms");
    await store.confirmRoom(confirmed.room.roomId, "a", 3000);
    const claimed = await store.claimExpiredOpening(5000, 1000, 10);
    expect(claimed.map((r) => r.roomId)).toEqual([late.room.roomId]);
    expect(await store.claimExpiredOpening(5500, 1000, 10)).toEqual([]);
    expect((await store.claimExpiredOpening(6000, 1000, 10)).map((r) => r.roomId)).toEqual([late.room.roomId]);
  });

  test("removing a dead server makes its open rooms MOVING and drops unconfirmed ones, unless it re-registered", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3 }));
    const rooms: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.allocateRoom(alloc());
      if (r.kind === "created") rooms.push(r.room.roomId);
    }
    await store.confirmRoom(rooms[0]!, "a", 3000);
    await store.confirmRoom(rooms[1]!, "a", 3000);
    await store.registerServer(reg("a", { maxRooms: 3 }));
    expect(await store.removeServer("a", a.epoch, 7000)).toBeUndefined();
    const removed = await store.removeServer("a", a.epoch + 1, 7000);
    expect(new Set(removed!.moving)).toEqual(new Set(rooms.slice(0, 2)));
    expect(removed!.dropped).toEqual([rooms[2]]);
    expect(await store.getRoom(rooms[2]!)).toBeUndefined();
    expect(await store.getRoom(rooms[0]!)).toMatchObject({ state: RoomState.MOVING, serverId: "", serverAddress: "" });
    expect(await store.getServer("a")).toBeUndefined();
    expect(await store.listServers()).toEqual([]);
  });

  test("a moving room keeps its id and snapshot, lands on a live server, and is claimed once at a time", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3 }));
    const r = await store.allocateRoom(alloc({ seats: 6 }));
    if (r.kind !== "created") throw new Error("expected a room");
    const id = r.room.roomId;
    await store.confirmRoom(id, "a", 3000);
    const snap = new Uint8Array([0, 1, 2, 255, 0, 10]);
    expect(await store.saveSnapshot(id, "b", snap)).toBe(false);
    expect(await store.saveSnapshot(id, "a", snap)).toBe(true);
    await store.removeServer("a", a.epoch, 7000);

    expect(await store.claimMoving(8000, 5000, 10)).toEqual([id]);
    expect(await store.claimMoving(9000, 5000, 10)).toEqual([]);
    expect(await store.moveRoom(id, { strategy: "distributed", excluded: [], nowMs: 9000 })).toEqual({ kind: "none", movingSinceMs: 7000 });

    await store.registerServer(reg("b", { maxRooms: 2 }));
    await store.registerServer(reg("c", { maxRooms: 2 }));
    const first = await store.moveRoom(id, { strategy: "distributed", excluded: ["c"], nowMs: 9000 });
    expect(first).toMatchObject({ kind: "placed", room: { roomId: id, serverId: "b", state: RoomState.MOVING, maxPlayers: 6 } });
    expect(await store.getServer("b")).toMatchObject({ reservedRooms: 1, reservedSeats: 6 });
    // b never confirmed: the next attempt gives b's reservation back before taking c's.
    const second = await store.moveRoom(id, { strategy: "distributed", excluded: ["b"], nowMs: 9500 });
    expect(second).toMatchObject({ kind: "placed", room: { serverId: "c" } });
    expect(await store.getServer("b")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.finishMove(id, "b", 9000)).toBe(false);
    expect(await store.finishMove(id, "c", 9000)).toBe(true);
    expect(await store.getRoom(id)).toMatchObject({ state: RoomState.OPEN, serverId: "c", migrations: 1 });
    expect(await store.getSnapshot(id)).toEqual(snap);
    expect(await store.moveRoom(id, { strategy: "distributed", excluded: [], nowMs: 9500 })).toEqual({ kind: "gone" });
    expect(await store.claimMoving(20_000, 5000, 10)).toEqual([]);
    expect(await store.listServerRooms("c")).toEqual([id]);

    expect(await store.deleteRoom(id, "c")).toBe(true);
    expect(await store.getSnapshot(id)).toBeUndefined();
    expect(await store.getServer("c")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
  });

  test("a handed-over room releases its server at once and is leased to the caller", async () => {
    await store.registerServer(reg("a", { maxRooms: 3 }));
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    const id = r.room.roomId;
    expect(await store.handOver(id, "a", new Uint8Array([9]), 5000, 3000)).toBe(false); // not open yet
    await store.confirmRoom(id, "a", 3000);
    expect(await store.handOver(id, "b", new Uint8Array([9]), 5000, 3000)).toBe(false);
    expect(await store.handOver(id, "a", new Uint8Array([9, 9]), 5000, 3000)).toBe(true);
    expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.listServerRooms("a")).toEqual([]);
    expect(await store.getSnapshot(id)).toEqual(new Uint8Array([9, 9]));
    expect(await store.claimMoving(7000, 1000, 10)).toEqual([]);
    await store.deferMove(id, 7500);
    expect(await store.claimMoving(7600, 1000, 10)).toEqual([id]);
    const moved = await store.moveRoom(id, { strategy: "distributed", excluded: ["a"], nowMs: 7600 });
    expect(moved).toEqual({ kind: "none", movingSinceMs: 5000 });
    expect(await store.deleteRoom(id)).toBe(true);
    expect(await store.claimMoving(99_000, 1000, 10)).toEqual([]);
  });

  test("records load and player counts", async () => {
    const a = await store.registerServer(reg("a"));
    expect(await store.recordLoad("a", a.epoch, 7, 5000, 8000)).toBe(true);
    expect(await store.recordLoad("a", a.epoch + 1, 7, 5000, 8000)).toBe(false);
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    expect(await store.setRoomPlayers(r.room.roomId, "a", 3, [], 3000)).toBe(true);
    expect(await store.setRoomPlayers(r.room.roomId, "b", 1, [], 3000)).toBe(false);
    expect((await store.getRoom(r.room.roomId))!.playerCount).toBe(3);
    const s = await store.getServer("a");
    expect(s!.players).toBe(7);
    expect(Number(s!.lastReportTime!.seconds)).toBe(5);
  });

  test("servers past their expiry are listed oldest first, and a report pushes it back", async () => {
    const a = await store.registerServer(reg("a", { expiresAtMs: 3000 }));
    const b = await store.registerServer(reg("b", { expiresAtMs: 2000 }));
    await store.registerServer(reg("c", { expiresAtMs: 9000 }));
    expect(await store.expiredServers(1999, 10)).toEqual([]);
    expect(await store.expiredServers(5000, 10)).toEqual([{ id: "b", epoch: b.epoch }, { id: "a", epoch: a.epoch }]);
    expect(await store.expiredServers(5000, 1)).toEqual([{ id: "b", epoch: b.epoch }]);
    await store.recordLoad("a", a.epoch, 0, 4000, 7000);
    await store.removeServer("b", b.epoch, 5000);
    expect(await store.expiredServers(5000, 10)).toEqual([]);
    expect(await store.expiredServers(8000, 10)).toEqual([{ id: "a", epoch: a.epoch }]);
  });

  test("servers of a Manager that stopped its heartbeat get no new rooms", async () => {
    await store.registerServer(reg("a", { managerId: "m2", maxRooms: 5 }));
    expect((await store.allocateRoom(alloc())).kind).toBe("none");
    await store.heartbeat("m2", 1000, 3_600_000);
    expect((await store.allocateRoom(alloc())).kind).toBe("created");
    await store.heartbeat("m2", 1000, 0);
    expect((await store.allocateRoom(alloc())).kind).toBe("none");
  });

  test("bus messages reach every subscriber, bytes intact", async () => {
    const got: Uint8Array[] = [];
    let done!: () => void;
    const two = new Promise<void>((r) => (done = r));
    const off = await store.subscribeBus((m) => {
      got.push(m);
      if (got.length === 2) done();
    });
    await store.publishBus(new Uint8Array([0, 200, 1]));
    await store.publishBus(new Uint8Array([7]));
    await two;
    off();
    expect(got.map((m) => [...m])).toEqual([[0, 200, 1], [7]]);
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
