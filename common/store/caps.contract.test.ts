import { RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import { alloc, freshStore, implementations, openRoom, reg } from "../../testkit/store-contract";
import type { Holder, RoomStore } from "./store";

// Per-caller caps on rooms nobody joined and seats nobody used, and seat holds that are never
// renewed, over every store.

describe.each(implementations)("%s caps", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
    await store.registerServer(reg("a", { maxRooms: 50, maxPlayers: 500 }));
  });
  afterEach(async () => {
    await store.close();
  });

  const ann: Holder = { id: "addr:192.0.2.1", maxUnjoinedRooms: 2, maxUnusedSeats: 3 };
  const bob: Holder = { ...ann, id: "addr:192.0.2.2" };
  const kinds = (rs: { kind: string }[]) => rs.map((r) => r.kind);
  const hold = (roomId: string, playerId: string, o: { holder?: Holder; nowMs?: number; rejoin?: boolean } = {}) =>
    store.holdSeat({
      roomId,
      playerId,
      untilMs: (o.nowMs ?? 3000) + 10_000,
      nowMs: o.nowMs ?? 3000,
      rejoin: o.rejoin ?? false,
      holder: o.holder,
    });

  test("rooms nobody joined: a cap per caller, freed when a player joins, the window ends or the room goes", async () => {
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await store.allocateRoom(alloc({ owner: { ...ann, maxUnusedSeats: 0 }, holdUntilMs: 12_000 })));
    expect(kinds(made)).toEqual(["created", "created", "over_cap"]);
    expect(made[2]).toEqual({ kind: "over_cap", cap: "rooms", max: 2 });
    // Another caller, and a room that counts against nobody, are not held back.
    expect((await store.allocateRoom(alloc({ owner: bob }))).kind).toBe("created");
    expect((await store.allocateRoom(alloc())).kind).toBe("created");
    // A player joins the first room: it no longer counts, even once everyone has left it again.
    const first = made[0]!.kind === "created" ? made[0]!.room : undefined;
    await store.confirmRoom({ roomId: first!.roomId, serverId: "a", nowMs: 2000 });
    await store.setRoomPlayers({ roomId: first!.roomId, serverId: "a", count: 1, joinedPlayerIds: [], nowMs: 2100 });
    await store.setRoomPlayers({ roomId: first!.roomId, serverId: "a", count: 0, joinedPlayerIds: [], nowMs: 2200 });
    const again = await store.allocateRoom(alloc({ owner: ann, nowMs: 2300, holdUntilMs: 12_300 }));
    expect(again.kind).toBe("created");
    expect((await store.allocateRoom(alloc({ owner: ann, nowMs: 2400 }))).kind).toBe("over_cap");
    // A deleted room frees its place at once; the others theirs once their window is over.
    if (again.kind === "created") await store.deleteRoom(again.room.roomId);
    expect((await store.allocateRoom(alloc({ owner: ann, nowMs: 2500, holdUntilMs: 20_000 }))).kind).toBe("created");
    expect((await store.allocateRoom(alloc({ owner: ann, nowMs: 2600 }))).kind).toBe("over_cap");
    expect((await store.allocateRoom(alloc({ owner: ann, nowMs: 12_001, holdUntilMs: 22_000 }))).kind).toBe("created");
  });

  test("unused seats: a cap per caller over creates, joins and quick-joins, freed when used or lapsed", async () => {
    const room = await openRoom(store, {
      seats: 10,
      visibility: RoomVisibility.PUBLIC,
      mode: "duel",
      holdUntilMs: 13_000,
    });
    // The creator's seat counts against its caller too.
    const created = await store.allocateRoom(alloc({ owner: ann, holdUntilMs: 13_000 }));
    expect(created.kind).toBe("created");
    expect(
      kinds([await hold(room.roomId, "p1", { holder: ann }), await hold(room.roomId, "p2", { holder: ann })]),
    ).toEqual(["held", "held"]);
    expect(await hold(room.roomId, "p3", { holder: ann })).toEqual({ kind: "over_cap", cap: "seats", max: 3 });
    const quick = { mode: "duel", maxPlayers: 10, labels: {}, regions: [], untilMs: 13_000, nowMs: 3000 };
    expect(await store.joinPublic({ ...quick, playerId: "q1", holder: ann })).toEqual({
      kind: "over_cap",
      cap: "seats",
      max: 3,
    });
    expect((await store.allocateRoom(alloc({ owner: ann }))).kind).toBe("over_cap");
    // The same player again holds nothing new: its seat is counted once.
    expect((await hold(room.roomId, "p2", { holder: ann })).kind).toBe("held");
    expect((await hold(room.roomId, "b1", { holder: bob })).kind).toBe("held");
    // p1 is in the room: its seat is used, and a quick-join takes its place.
    await store.setRoomPlayers({ roomId: room.roomId, serverId: "a", count: 1, joinedPlayerIds: ["p1"], nowMs: 3100 });
    expect((await store.joinPublic({ ...quick, playerId: "q1", holder: ann })).kind).toBe("held");
    expect((await hold(room.roomId, "p4", { holder: ann })).kind).toBe("over_cap");
    // Tokens unused past their window: every seat is free again.
    expect((await hold(room.roomId, "p5", { holder: ann, nowMs: 13_001 })).kind).toBe("held");
    expect((await store.getRoom(room.roomId, 13_001))!.freeSeats).toBe(10 - 1 - 1);
  });

  test("a hold is never renewed: a join or rejoin of a player who holds a seat keeps its end", async () => {
    const room = await openRoom(store, { seats: 2, holdUntilMs: 10_000 });
    expect((await hold(room.roomId, "p1", { nowMs: 3000 })).kind).toBe("held"); // until 13 000
    expect((await hold(room.roomId, "p1", { nowMs: 9000, rejoin: true })).kind).toBe("held");
    expect((await hold(room.roomId, "p1", { nowMs: 9000 })).kind).toBe("held");
    expect((await store.getRoom(room.roomId, 13_001))!.freeSeats).toBe(2);
  });

  test("a rejoin in a full room holds no seat past the full check", async () => {
    const room = await openRoom(store, { seats: 2, holdUntilMs: 10_000 });
    await store.setRoomPlayers({
      roomId: room.roomId,
      serverId: "a",
      count: 2,
      joinedPlayerIds: ["p_creator"],
      nowMs: 3000,
    });
    // Both players are in; one of them (or someone with its old token) rejoins, again and again.
    for (let i = 0; i < 3; i++)
      expect((await hold(room.roomId, "p_creator", { rejoin: true, nowMs: 3000 + i })).kind).toBe("held");
    // The other leaves: its seat is free for a newcomer, not taken by the rejoins.
    await store.setRoomPlayers({ roomId: room.roomId, serverId: "a", count: 1, joinedPlayerIds: [], nowMs: 3100 });
    expect((await store.getRoom(room.roomId, 3200))!.freeSeats).toBe(1);
    expect((await hold(room.roomId, "newcomer", { nowMs: 3200 })).kind).toBe("held");
  });

  test("caps of 0 are off", async () => {
    const free: Holder = { id: "addr:198.51.100.1", maxUnjoinedRooms: 0, maxUnusedSeats: 0 };
    for (let i = 0; i < 5; i++) expect((await store.allocateRoom(alloc({ owner: free }))).kind).toBe("created");
  });
});
