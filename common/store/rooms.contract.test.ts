import { GameServerState, RoomState } from "../../gen/roomgate/v1/common_pb.js";
import { alloc, freshStore, implementations, openRoom, reg } from "../../testkit/store-contract";
import type { AllocateInput } from "./rooms";
import type { RoomStore, TokenOpen } from "./store";

// Room allocation and lifecycle (placement by strategy, region and labels; capacity; idempotency;
// confirm, reclaim, delete), over every store.

describe.each(implementations)("%s rooms", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
  });
  afterEach(async () => {
    await store.close();
  });

  test("allocation picks the least-loaded live server and records the room", async () => {
    await store.registerServer(reg("a", { maxRooms: 4 }));
    await store.registerServer(reg("b", { maxRooms: 4 }));
    const r1 = await store.allocateRoom(alloc());
    const r2 = await store.allocateRoom(alloc());
    if (r1.kind !== "created" || r2.kind !== "created") throw new Error("expected two rooms");
    expect(new Set([r1.room.serverId, r2.room.serverId])).toEqual(new Set(["a", "b"]));
    const got = await store.getRoom(r1.room.roomId);
    expect(got).toMatchObject({
      roomId: r1.room.roomId,
      serverId: r1.room.serverId,
      maxPlayers: 4,
      region: "eu",
      creatorPlayerId: "p_creator",
    });
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
    await store.setServerState({ id: "a", epoch: a.epoch, state: GameServerState.DRAINING });
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
    expect(await store.setServerState({ id: "a", epoch: a.epoch, state: GameServerState.SUSPECT })).toBe(true);
    expect((await store.allocateRoom(alloc())).kind).toBe("none");
    expect(await store.setServerState({ id: "a", epoch: a.epoch + 7, state: GameServerState.LIVE })).toBe(false);
  });

  test("never overwrites an existing room id", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const input = alloc();
    const first = await store.allocateRoom(input);
    if (first.kind !== "created") throw new Error("expected a room");
    // A store may keep the room under another id (a cell store names the cell in it): a collision
    // says which, and a second try of the same id finds the first room there.
    const again = await store.allocateRoom({ ...input, creatorPlayerId: "other" });
    expect(again).toEqual({
      kind: "collision",
      ...(first.room.roomId !== input.roomId && { roomId: first.room.roomId }),
    });
    expect((await store.getRoom(first.room.roomId))!.creatorPlayerId).toBe("p_creator");
  });

  test("a room's retries go where its first attempt went, even after the cells' capacities changed", async () => {
    await store.registerServer(reg("a", { maxRooms: 1, region: "eu" }));
    await store.registerServer(reg("b", { maxRooms: 5, region: "us" }));
    const input = alloc({ regions: ["eu"], requestId: "req-1" });
    const first = await store.allocateRoom(input);
    if (first.kind !== "created") throw new Error("expected a room");
    expect(first.room.serverId).toBe("a");
    // eu is full now; the retry must still find the first room rather than make a twin in us.
    const retry = await store.allocateRoom({ ...input, nowMs: input.nowMs + 1 });
    expect(retry.kind).toBe("existing");
    if (retry.kind === "existing") expect(retry.room.roomId).toBe(first.room.roomId);
    expect((await store.getServer("b"))!.reservedRooms).toBe(0);
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

  test("a room goes only to a server with every required label; the zone counts as one", async () => {
    await store.registerServer(reg("ctf", { maxRooms: 5, labels: { mode: "ctf", version: "1.4" }, zone: "eu-1a" }));
    await store.registerServer(reg("dm", { maxRooms: 5, labels: { mode: "dm", version: "1.4" }, zone: "eu-1b" }));
    for (const [labels, server] of [
      [{ mode: "dm" }, "dm"],
      [{ zone: "eu-1a" }, "ctf"],
      [{ mode: "ctf", version: "1.4" }, "ctf"],
    ] as const) {
      const r = await store.allocateRoom(alloc({ labels }));
      expect(r.kind === "created" && r.room.serverId).toBe(server);
      if (r.kind === "created") expect(r.room.labels).toEqual(labels);
    }
    expect((await store.allocateRoom(alloc({ labels: { mode: "race" } }))).kind).toBe("none");
    expect((await store.allocateRoom(alloc({ labels: { mode: "ctf", version: "1.5" } }))).kind).toBe("none");
    expect((await store.getServer("ctf"))!.labels).toEqual({ mode: "ctf", version: "1.4" });
    expect((await store.getServer("ctf"))!.zone).toBe("eu-1a");
  });

  test("labelled servers that are full say full, not none; a moved room keeps its labels", async () => {
    await store.registerServer(reg("a", { maxRooms: 1, labels: { map: "dust" } }));
    await store.registerServer(reg("b", { maxRooms: 5 }));
    const r = await openRoom(store, { labels: { map: "dust" } });
    expect(r.serverId).toBe("a");
    expect((await store.allocateRoom(alloc({ labels: { map: "dust" } }))).kind).toBe("full");
    const a = await store.getServer("a");
    await store.removeServer({ id: "a", epoch: a!.epoch, nowMs: 5000 });
    // Only "b" is left, and it lacks the label: the room waits rather than land on the wrong build.
    expect((await store.moveRoom({ roomId: r.roomId, strategy: "distributed", excluded: [], nowMs: 5100 })).kind).toBe(
      "none",
    );
    await store.registerServer(reg("a2", { maxRooms: 1, labels: { map: "dust" } }));
    const moved = await store.moveRoom({ roomId: r.roomId, strategy: "distributed", excluded: [], nowMs: 5200 });
    expect(moved.kind === "placed" && moved.room.serverId).toBe("a2");
  });

  test("regions are tried in the order asked, then any region", async () => {
    await store.registerServer(reg("us", { maxRooms: 5, region: "us" }));
    await store.registerServer(reg("eu", { maxRooms: 1, region: "eu" }));
    await store.registerServer(reg("ap", { maxRooms: 1, region: "ap" }));
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await store.allocateRoom(alloc({ regions: ["ap", "eu"] }));
      placed.push(r.kind === "created" ? r.room.region : r.kind);
    }
    expect(placed).toEqual(["ap", "eu", "us", "us"]);
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
    expect(await store.confirmRoom({ roomId: r.room.roomId, serverId: "b", nowMs: 3000 })).toBe(false);
    expect(await store.confirmRoom({ roomId: r.room.roomId, serverId: "a", nowMs: 3000 })).toBe(true);
    expect(await store.confirmRoom({ roomId: r.room.roomId, serverId: "a", nowMs: 3000 })).toBe(true);
    expect((await store.getRoom(r.room.roomId))!.state).toBe(RoomState.OPEN);
  });

  test("an OPENING room past its deadline is claimed by one caller at a time", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const late = await store.allocateRoom(alloc({ openDeadlineMs: 3000 }));
    const confirmed = await store.allocateRoom(alloc({ openDeadlineMs: 3000 }));
    await store.allocateRoom(alloc({ openDeadlineMs: 9000 }));
    if (late.kind !== "created" || confirmed.kind !== "created") throw new Error("expected rooms");
    await store.confirmRoom({ roomId: confirmed.room.roomId, serverId: "a", nowMs: 3000 });
    const claimed = await store.claimExpiredOpening({ nowMs: 5000, leaseMs: 1000, limit: 10 });
    expect(claimed.map((r) => r.roomId)).toEqual([late.room.roomId]);
    expect(await store.claimExpiredOpening({ nowMs: 5500, leaseMs: 1000, limit: 10 })).toEqual([]);
    expect((await store.claimExpiredOpening({ nowMs: 6000, leaseMs: 1000, limit: 10 })).map((r) => r.roomId)).toEqual([
      late.room.roomId,
    ]);
  });

  test("a room on a server that opens rooms on their first token is marked so, with that deadline, when allowed", async () => {
    await store.registerServer(reg("tok", { maxRooms: 5, opensOnToken: true }));
    const lazy = await store.allocateRoom(alloc({ openDeadlineMs: 3000, tokenOpenDeadlineMs: 9000 }));
    const asked = await store.allocateRoom(alloc({ openDeadlineMs: 3000 }));
    if (lazy.kind !== "created" || asked.kind !== "created") throw new Error("expected rooms");
    expect([lazy.opensOnToken, asked.opensOnToken]).toEqual([true, false]);
    expect(lazy.room.state).toBe(RoomState.OPENING);
    expect((await store.getServer("tok"))!.opensOnToken).toBe(true);
    // Reclaimed after its own deadline: the one opened by open_room is due first.
    expect((await store.claimExpiredOpening({ nowMs: 5000, leaseMs: 1000, limit: 10 })).map((r) => r.roomId)).toEqual([
      asked.room.roomId,
    ]);
    await store.deleteRoom(asked.room.roomId);
    expect(await store.confirmRoom({ roomId: lazy.room.roomId, serverId: "tok", nowMs: 6000 })).toBe(true);
    expect(await store.claimExpiredOpening({ nowMs: 10_000, leaseMs: 1000, limit: 10 })).toEqual([]);
    // A server that does not open rooms on tokens never gets such a room, allowed or not.
    await store.registerServer(reg("tok", { maxRooms: 5 }));
    const later = await store.allocateRoom(alloc({ tokenOpenDeadlineMs: 9000 }));
    expect(later.kind === "created" && later.opensOnToken).toBe(false);
  });

  describe("a room's first join token, at its own server", () => {
    const token = (roomId: string, over: Partial<TokenOpen> = {}): TokenOpen => ({
      roomId,
      serverId: "tok",
      tokenId: `t-${roomId}`,
      untilMs: 62_000,
      playerId: "p_creator",
      count: 1,
      nowMs: 2000,
      ...over,
    });
    const lazyRoom = async () => {
      const r = await store.allocateRoom(alloc({ openDeadlineMs: 3000, tokenOpenDeadlineMs: 9000 }));
      if (r.kind !== "created" || !r.opensOnToken) throw new Error("expected a room opened on its token");
      return r.room;
    };

    test("spends the token, and records the room OPEN with its player in the seat the token held", async () => {
      await store.registerServer(reg("tok", { maxRooms: 5, opensOnToken: true }));
      const room = await lazyRoom();
      expect((await store.getRoom(room.roomId, 2000))!.freeSeats).toBe(3); // the creator's held seat
      expect(await store.openRoomOnToken(token(room.roomId))).toBe("opened");
      expect(await store.getRoom(room.roomId, 2000)).toMatchObject({
        state: RoomState.OPEN,
        playerCount: 1,
        freeSeats: 3,
      });
      // The hold became the seat: past the hold's end, the seat is still taken.
      expect((await store.getRoom(room.roomId, 61_000))!.freeSeats).toBe(3);
      // The token is spent for everyone, the store's spendToken included.
      expect(await store.openRoomOnToken(token(room.roomId))).toBe("spent");
      expect(await store.spendToken({ tokenId: `t-${room.roomId}`, untilMs: 62_000, nowMs: 2000 })).toBe(false);
      // It left the work queue of stalled opens.
      expect(await store.claimExpiredOpening({ nowMs: 10_000, leaseMs: 1000, limit: 10 })).toEqual([]);
      // Another fresh token on the open room records its count again.
      expect(await store.openRoomOnToken(token(room.roomId, { tokenId: "t2", playerId: "p2", count: 2 }))).toBe(
        "opened",
      );
      expect((await store.getRoom(room.roomId, 2000))!.playerCount).toBe(2);
    });

    test("of racing uses of one token exactly one opens the room", async () => {
      await store.registerServer(reg("tok", { maxRooms: 5, opensOnToken: true }));
      const room = await lazyRoom();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.openRoomOnToken(token(room.roomId))));
      expect(results.filter((r) => r === "opened")).toHaveLength(1);
      expect(results.filter((r) => r === "spent")).toHaveLength(9);
    });

    test("records nothing for a room not placed on that server OPENING or OPEN, but spends the token", async () => {
      const tok = await store.registerServer(reg("tok", { maxRooms: 5, opensOnToken: true }));
      const room = await lazyRoom();
      expect(await store.openRoomOnToken(token(room.roomId, { serverId: "other" }))).toBe("gone");
      expect(await store.openRoomOnToken(token(room.roomId))).toBe("spent");
      expect((await store.getRoom(room.roomId, 2000))!.state).toBe(RoomState.OPENING);
      // Its server was declared dead: the room moves, and a late token opens nothing.
      const moved = await lazyRoom();
      expect((await store.removeServer({ id: "tok", epoch: tok.epoch, nowMs: 3000 }))?.moving).toContain(moved.roomId);
      expect(await store.openRoomOnToken(token(moved.roomId))).toBe("gone");
      expect(await store.getRoom(moved.roomId, 3000)).toMatchObject({ state: RoomState.MOVING });
      expect(await store.openRoomOnToken(token("gone-room".padEnd(22, "x")))).toBe("gone");
    });
  });

  test("token-only placement (the Gateway's) answers needs_open and writes nothing when the best server must be asked to open the room", async () => {
    // "ask" has the most free seats, so distributed placement picks it; it does not open on tokens.
    await store.registerServer(reg("ask", { maxRooms: 5, maxPlayers: 100 }));
    await store.registerServer(reg("tok", { maxRooms: 5, maxPlayers: 20, opensOnToken: true }));
    const owner = { id: "addr:192.0.2.9", maxUnjoinedRooms: 1, maxUnusedSeats: 4 };
    const gateway = alloc({ tokenOpenDeadlineMs: 9000, tokenOpenOnly: true, requestId: "req-1", owner });
    expect(await store.allocateRoom(gateway)).toEqual({ kind: "needs_open" });
    expect(await store.getRoom(gateway.roomId)).toBeUndefined();
    expect(await store.getServer("ask")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.countRooms()).toEqual({ opening: 0, moving: 0 });
    // Neither the request id nor the caps were touched: the Manager then places it as if first asked.
    const manager = await store.allocateRoom({ ...gateway, tokenOpenOnly: undefined });
    expect(manager.kind === "created" && [manager.room.serverId, manager.opensOnToken]).toEqual(["ask", false]);
  });

  test("token-only placement places on a server that opens on token, marked and reclaimed as the Manager's", async () => {
    await store.registerServer(reg("tok", { maxRooms: 2, opensOnToken: true }));
    const owner = { id: "addr:192.0.2.8", maxUnjoinedRooms: 1, maxUnusedSeats: 4 };
    const only = (over: Partial<AllocateInput> = {}) =>
      store.allocateRoom(alloc({ openDeadlineMs: 3000, tokenOpenDeadlineMs: 9000, tokenOpenOnly: true, ...over }));
    const placed = await only({ requestId: "req-2", owner });
    if (placed.kind !== "created") throw new Error(`expected a room, got ${placed.kind}`);
    expect([placed.room.serverId, placed.room.state, placed.opensOnToken]).toEqual(["tok", RoomState.OPENING, true]);
    // Due at the token deadline, not the open_room one.
    expect(await store.claimExpiredOpening({ nowMs: 5000, leaseMs: 1000, limit: 10 })).toEqual([]);
    expect((await store.claimExpiredOpening({ nowMs: 9000, leaseMs: 1000, limit: 10 })).map((r) => r.roomId)).toEqual([
      placed.room.roomId,
    ]);
    // The same request id again: the first room, for the caller to hand to a Manager.
    const again = await only({ requestId: "req-2" });
    expect(again.kind === "existing" && again.room.roomId).toBe(placed.room.roomId);
    // Its failures are the Manager's: over the caller's caps, full, and none when no server is left.
    expect((await only({ owner })).kind).toBe("over_cap");
    expect((await only()).kind).toBe("created");
    expect((await only()).kind).toBe("full");
    expect((await only({ excluded: ["tok"] })).kind).toBe("none");
  });

  test("token-only placement never uses a server whose Manager is not heard from: unreached", async () => {
    await store.registerServer(reg("silent", { managerId: "m2", maxRooms: 5, opensOnToken: true }));
    expect((await store.allocateRoom(alloc({ tokenOpenDeadlineMs: 9000, tokenOpenOnly: true }))).kind).toBe(
      "unreached",
    );
    expect(await store.getServer("silent")).toMatchObject({ reservedRooms: 0 });
  });

  test("counts rooms opening and moving: confirmed rooms leave the first, moved rooms the second", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 4 }));
    expect(await store.countRooms()).toEqual({ opening: 0, moving: 0 });
    const rooms = await Promise.all([1, 2, 3].map(() => store.allocateRoom(alloc())));
    expect(await store.countRooms()).toEqual({ opening: 3, moving: 0 });
    for (const r of rooms.slice(0, 2))
      if (r.kind === "created") await store.confirmRoom({ roomId: r.room.roomId, serverId: "a", nowMs: 3000 });
    expect(await store.countRooms()).toEqual({ opening: 1, moving: 0 });
    const removed = await store.removeServer({ id: "a", epoch: a.epoch, nowMs: 7000 });
    expect(removed?.moving).toHaveLength(2);
    expect(await store.countRooms()).toEqual({ opening: 0, moving: 2 });
    await store.registerServer(reg("b", { maxRooms: 4 }));
    const [id] = removed!.moving;
    const placed = await store.moveRoom({ roomId: id!, strategy: "distributed", excluded: [], nowMs: 8000 });
    expect(placed.kind).toBe("placed");
    await store.finishMove({ roomId: id!, serverId: "b", nowMs: 8000 });
    expect(await store.countRooms()).toEqual({ opening: 0, moving: 1 });
  });
});
