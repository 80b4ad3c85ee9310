import { GameServerState, RoomState } from "../../gen/roomgate/v1/common_pb.js";
import { alloc, freshStore, implementations, reg } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// The server registry and liveness (registration, reports, expiry, Manager heartbeats, removal),
// over every store.

describe.each(implementations)("%s servers", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
  });
  afterEach(async () => {
    await store.close();
  });

  test("registration bumps the epoch and keeps the server's rooms", async () => {
    const first = await store.registerServer(reg("a"));
    const created = await store.allocateRoom(alloc());
    expect(created.kind).toBe("created");
    const again = await store.registerServer(reg("a"));
    expect(again.epoch).toBe(first.epoch + 1);
    expect(again.roomIds).toHaveLength(1);
    const s = await store.getServer("a");
    expect(s).toMatchObject({
      id: "a",
      state: GameServerState.LIVE,
      reservedRooms: 1,
      reservedSeats: 4,
      epoch: again.epoch,
    });
  });

  test("records load and player counts", async () => {
    const a = await store.registerServer(reg("a"));
    expect(await store.recordLoad({ id: "a", epoch: a.epoch, players: 7, nowMs: 5000, expiresAtMs: 8000 })).toBe(true);
    expect(await store.recordLoad({ id: "a", epoch: a.epoch + 1, players: 7, nowMs: 5000, expiresAtMs: 8000 })).toBe(
      false,
    );
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    expect(
      await store.setRoomPlayers({ roomId: r.room.roomId, serverId: "a", count: 3, joinedPlayerIds: [], nowMs: 3000 }),
    ).toBe(true);
    expect(
      await store.setRoomPlayers({ roomId: r.room.roomId, serverId: "b", count: 1, joinedPlayerIds: [], nowMs: 3000 }),
    ).toBe(false);
    expect((await store.getRoom(r.room.roomId))!.playerCount).toBe(3);
    const s = await store.getServer("a");
    expect(s!.players).toBe(7);
    expect(Number(s!.lastReportTime!.seconds)).toBe(5);
  });

  test("several servers' reports in one call: each recorded or refused as it would be alone, in order", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 1 }));
    const b = await store.registerServer(reg("b", { maxRooms: 1 }));
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    const onA = r.room.serverId === "a";
    expect(
      await store.recordLoads([
        {
          id: "a",
          epoch: a.epoch,
          players: 5,
          nowMs: 5000,
          expiresAtMs: 9000,
          roomCpu: onA ? [{ roomId: r.room.roomId, cpuSeconds: 1.5, load: 0.25 }] : [],
        },
        { id: "b", epoch: b.epoch + 1, players: 9, nowMs: 5000, expiresAtMs: 9000 },
        { id: "gone", epoch: 1, players: 1, nowMs: 5000, expiresAtMs: 9000 },
        {
          id: "b",
          epoch: b.epoch,
          players: 2,
          nowMs: 6000,
          expiresAtMs: 9500,
          roomCpu: onA ? [] : [{ roomId: r.room.roomId, cpuSeconds: 1.5, load: 0.25 }],
        },
      ]),
    ).toEqual([true, false, false, true]);
    expect(await store.recordLoads([])).toEqual([]);
    expect((await store.getServer("a"))!.players).toBe(5);
    expect((await store.getServer("b"))!.players).toBe(2);
    expect(await store.getRoom(r.room.roomId)).toMatchObject({ cpuSeconds: 1.5, cpuLoad: 0.25 });
    // The expiries moved: a is dead after 9000, b after 9500.
    expect((await store.expiredServers({ nowMs: 9000, limit: 10 })).map((s) => s.id)).toEqual(["a"]);
  });

  test("a report's room CPU lands on the rooms still on that server, and nowhere else", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 1 }));
    const b = await store.registerServer(reg("b", { maxRooms: 1 }));
    const onA = await store.allocateRoom(alloc());
    const onB = await store.allocateRoom(alloc());
    if (onA.kind !== "created" || onB.kind !== "created") throw new Error("expected two rooms");
    const [ra, rb] = onA.room.serverId === "a" ? [onA.room, onB.room] : [onB.room, onA.room];
    expect(await store.getRoom(ra.roomId)).toMatchObject({ cpuSeconds: 0, cpuLoad: 0 });
    const report = (id: string, epoch: number, roomId: string, cpuSeconds: number, load: number) =>
      store.recordLoad({
        id,
        epoch,
        players: 0,
        nowMs: 5000,
        expiresAtMs: 8000,
        roomCpu: [{ roomId, cpuSeconds, load }],
      });
    expect(await report("a", a.epoch, ra.roomId, 1.25, 0.5)).toBe(true);
    // b claims a's room (and one that does not exist): neither changes.
    expect(await report("b", b.epoch, ra.roomId, 99, 1)).toBe(true);
    expect(await report("b", b.epoch, "nosuchroom".padEnd(22, "x"), 99, 1)).toBe(true);
    expect(await store.getRoom(ra.roomId)).toMatchObject({ cpuSeconds: 1.25, cpuLoad: 0.5 });
    expect(await store.getRoom(rb.roomId)).toMatchObject({ cpuSeconds: 0, cpuLoad: 0 });
    // A stale epoch records nothing at all.
    expect(await report("a", a.epoch + 1, ra.roomId, 7, 0)).toBe(false);
    expect((await store.getRoom(ra.roomId))!.cpuSeconds).toBe(1.25);
  });

  test("a server removed and registered again gets an epoch its buried life never had", async () => {
    const first = await store.registerServer(reg("a"));
    await store.registerServer(reg("b"));
    expect(await store.removeServer({ id: "a", epoch: first.epoch, nowMs: 5000 })).toBeDefined();
    const again = await store.registerServer(reg("a"));
    expect(again.epoch).toBeGreaterThan(first.epoch);
    // A late message of the buried life changes nothing of the new one.
    expect(await store.setServerState({ id: "a", epoch: first.epoch, state: GameServerState.SUSPECT })).toBe(false);
    expect(await store.recordLoad({ id: "a", epoch: first.epoch, players: 9, nowMs: 5000, expiresAtMs: 9000 })).toBe(
      false,
    );
    expect((await store.getServer("a"))!.state).toBe(GameServerState.LIVE);
  });

  test("servers past their expiry are listed oldest first, and a report pushes it back", async () => {
    const a = await store.registerServer(reg("a", { expiresAtMs: 3000 }));
    const b = await store.registerServer(reg("b", { expiresAtMs: 2000 }));
    await store.registerServer(reg("c", { expiresAtMs: 9000 }));
    expect(await store.expiredServers({ nowMs: 1999, limit: 10 })).toEqual([]);
    expect(await store.expiredServers({ nowMs: 5000, limit: 10 })).toEqual([
      { id: "b", epoch: b.epoch },
      { id: "a", epoch: a.epoch },
    ]);
    expect(await store.expiredServers({ nowMs: 5000, limit: 1 })).toEqual([{ id: "b", epoch: b.epoch }]);
    await store.recordLoad({ id: "a", epoch: a.epoch, players: 0, nowMs: 4000, expiresAtMs: 7000 });
    await store.removeServer({ id: "b", epoch: b.epoch, nowMs: 5000 });
    expect(await store.expiredServers({ nowMs: 5000, limit: 10 })).toEqual([]);
    expect(await store.expiredServers({ nowMs: 8000, limit: 10 })).toEqual([{ id: "a", epoch: a.epoch }]);
  });

  test("a report a server wrote itself is stamped with the store's clock: its deadline counts from the store's now", async () => {
    const a = await store.registerServer(reg("a", { expiresAtMs: 1000 }));
    await store.heartbeat({ managerId: "m1", nowMs: Date.now(), ttlMs: 60_000 });
    const before = Date.now();
    expect(await store.recordOwnLoad({ id: "a", epoch: a.epoch, players: 4, deadlineMs: 60_000 })).toBe("recorded");
    const after = Date.now();
    // The store's clock is this host's (a private redis-server, or this process).
    expect(await store.expiredServers({ nowMs: before + 59_000, limit: 10 })).toEqual([]);
    expect(await store.expiredServers({ nowMs: after + 61_000, limit: 10 })).toEqual([{ id: "a", epoch: a.epoch }]);
    const s = await store.getServer("a");
    expect(s!.players).toBe(4);
    const stampedMs = Number(s!.lastReportTime!.seconds) * 1000 + Math.floor(s!.lastReportTime!.nanos / 1e6);
    expect(stampedMs).toBeGreaterThanOrEqual(before - 1000);
    expect(stampedMs).toBeLessThanOrEqual(after + 1000);
    expect(await store.recordOwnLoad({ id: "a", epoch: a.epoch + 1, players: 5, deadlineMs: 60_000 })).toBe("stale");
    expect(await store.recordOwnLoad({ id: "nobody", epoch: 1, players: 5, deadlineMs: 60_000 })).toBe("stale");
    expect((await store.getServer("a"))!.players).toBe(4);
  });

  test("a server's own report says when the Manager holding its stream keeps no heartbeat, and is recorded all the same", async () => {
    const a = await store.registerServer(reg("a", { expiresAtMs: 1000, managerId: "m9" }));
    expect(await store.recordOwnLoad({ id: "a", epoch: a.epoch, players: 2, deadlineMs: 60_000 })).toBe("unheard");
    expect(await store.expiredServers({ nowMs: Date.now() + 30_000, limit: 10 })).toEqual([]);
    expect((await store.getServer("a"))!.players).toBe(2);
    await store.heartbeat({ managerId: "m9", nowMs: Date.now(), ttlMs: 60_000 });
    expect(await store.recordOwnLoad({ id: "a", epoch: a.epoch, players: 3, deadlineMs: 60_000 })).toBe("recorded");
    await store.heartbeat({ managerId: "m9", nowMs: Date.now(), ttlMs: 0 });
    expect(await store.recordOwnLoad({ id: "a", epoch: a.epoch, players: 3, deadlineMs: 60_000 })).toBe("unheard");
  });

  test("servers of a Manager that stopped its heartbeat are unreached, except by that Manager", async () => {
    await store.registerServer(reg("a", { managerId: "m2", maxRooms: 5 }));
    expect((await store.allocateRoom(alloc())).kind).toBe("unreached");
    // After a Redis restart its heartbeat is gone until its next sweep; it still holds the stream.
    const own = await store.allocateRoom(alloc({ managerId: "m2" }));
    expect(own.kind === "created" && own.room.serverId).toBe("a");
    await store.heartbeat({ managerId: "m2", nowMs: 1000, ttlMs: 3_600_000 });
    expect((await store.allocateRoom(alloc())).kind).toBe("created");
    await store.heartbeat({ managerId: "m2", nowMs: 1000, ttlMs: 0 });
    expect((await store.allocateRoom(alloc())).kind).toBe("unreached");
  });

  test("removing a dead server makes its open rooms MOVING and drops unconfirmed ones, unless it re-registered", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3 }));
    const rooms: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.allocateRoom(alloc());
      if (r.kind === "created") rooms.push(r.room.roomId);
    }
    await store.confirmRoom({ roomId: rooms[0]!, serverId: "a", nowMs: 3000 });
    await store.confirmRoom({ roomId: rooms[1]!, serverId: "a", nowMs: 3000 });
    await store.registerServer(reg("a", { maxRooms: 3 }));
    expect(await store.removeServer({ id: "a", epoch: a.epoch, nowMs: 7000 })).toBeUndefined();
    const removed = await store.removeServer({ id: "a", epoch: a.epoch + 1, nowMs: 7000 });
    expect(new Set(removed!.moving)).toEqual(new Set(rooms.slice(0, 2)));
    expect(removed!.dropped).toEqual([rooms[2]]);
    expect(await store.getRoom(rooms[2]!)).toBeUndefined();
    expect(await store.getRoom(rooms[0]!)).toMatchObject({ state: RoomState.MOVING, serverId: "", serverAddress: "" });
    expect(await store.getServer("a")).toBeUndefined();
    expect(await store.listServers()).toEqual([]);
  });

  test("removing a dead server moves the OPENING rooms its first tokens would have opened: they were promised", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3, opensOnToken: true }));
    const lazy = await store.allocateRoom(alloc({ tokenOpenDeadlineMs: 9000 }));
    const asked = await store.allocateRoom(alloc());
    if (lazy.kind !== "created" || asked.kind !== "created") throw new Error("expected rooms");
    const removed = await store.removeServer({ id: "a", epoch: a.epoch, nowMs: 7000 });
    expect(removed).toEqual({ moving: [lazy.room.roomId], dropped: [asked.room.roomId] });
    expect(await store.getRoom(lazy.room.roomId)).toMatchObject({ state: RoomState.MOVING, serverId: "" });
    // Moving, it is no longer an opening to reclaim.
    expect(await store.claimExpiredOpening({ nowMs: 20_000, leaseMs: 1000, limit: 10 })).toEqual([]);
    expect(await store.countRooms()).toEqual({ opening: 0, moving: 1 });
  });
});
