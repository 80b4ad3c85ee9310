import { RoomState, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import { alloc, freshStore, implementations, openRoom, reg } from "../../testkit/store-contract";
import type { AllocateInput, RoomStore } from "./store";

// Seats held by join tokens, quick-join (fullest first, never over-filled, rooms still opening)
// and listings (newest first, filters, paging), over every store.

describe.each(implementations)("%s seats", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
  });
  afterEach(async () => {
    await store.close();
  });

  const publicRoom = (over: Partial<AllocateInput> = {}) =>
    openRoom(store, { visibility: RoomVisibility.PUBLIC, mode: "duel", ...over });
  /** The room a quick-join holds a seat in, if any. */
  const quick = async (playerId: string, over: Partial<Parameters<RoomStore["joinPublic"]>[0]> = {}) => {
    const r = await store.joinPublic({
      mode: "duel",
      maxPlayers: 4,
      labels: {},
      regions: [],
      playerId,
      untilMs: 50_000,
      nowMs: 3000,
      ...over,
    });
    if (r.kind === "over_cap") throw new Error("over its cap");
    return r.kind === "held" ? r.room : undefined;
  };

  test("a join holds a seat until its token runs out or the player is in; the last seat goes once", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const room = await openRoom(store, { seats: 3, holdUntilMs: 10_000 });
    expect((await store.getRoom(room.roomId, 3000))!.freeSeats).toBe(2); // the creator's seat is held
    const holds = await Promise.all(
      ["p1", "p2", "p3", "p4"].map((p) =>
        store.holdSeat({ roomId: room.roomId, playerId: p, untilMs: 20_000, nowMs: 3000, rejoin: false }),
      ),
    );
    expect(holds.filter((h) => h.kind === "held")).toHaveLength(2);
    expect(holds.filter((h) => h.kind === "full")).toHaveLength(2);
    // A player coming back keeps its seat even in a full room.
    expect(
      (await store.holdSeat({ roomId: room.roomId, playerId: "p9", untilMs: 20_000, nowMs: 3000, rejoin: true })).kind,
    ).toBe("held");
    // The creator connected: its held seat is now a taken one, not counted twice.
    expect(
      await store.setRoomPlayers({
        roomId: room.roomId,
        serverId: "a",
        count: 1,
        joinedPlayerIds: ["p_creator"],
        nowMs: 3500,
      }),
    ).toBe(true);
    expect((await store.getRoom(room.roomId, 3500))!.freeSeats).toBe(0);
    // Tokens expired unused: their seats come back.
    expect((await store.getRoom(room.roomId, 20_001))!.freeSeats).toBe(2);
    expect(
      (await store.holdSeat({ roomId: room.roomId, playerId: "p5", untilMs: 30_000, nowMs: 20_001, rejoin: false }))
        .kind,
    ).toBe("held");
  });

  test("only OPEN rooms take joins", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error(r.kind);
    expect(
      (await store.holdSeat({ roomId: r.room.roomId, playerId: "x", untilMs: 9000, nowMs: 3000, rejoin: false })).kind,
    ).toBe("unavailable");
    expect(
      (
        await store.holdSeat({
          roomId: "missing".padEnd(22, "x"),
          playerId: "x",
          untilMs: 9000,
          nowMs: 3000,
          rejoin: false,
        })
      ).kind,
    ).toBe("missing");
  });

  test("a room still OPENING takes joins and is listed when its server opens it on the first token: it is promised", async () => {
    await store.registerServer(reg("a", { maxRooms: 5, opensOnToken: true }));
    const r = await store.allocateRoom(
      alloc({ tokenOpenDeadlineMs: 30_000, visibility: RoomVisibility.PUBLIC, mode: "duel" }),
    );
    if (r.kind !== "created") throw new Error(r.kind);
    const held = await store.holdSeat({
      roomId: r.room.roomId,
      playerId: "x",
      untilMs: 9000,
      nowMs: 3000,
      rejoin: false,
    });
    expect(held).toMatchObject({ kind: "held", room: { state: RoomState.OPENING, freeSeats: 2 } });
    const listed = await store.listRooms({ mode: "duel", region: "", includeFull: false, limit: 10, nowMs: 3000 });
    expect(listed.rooms.map((room) => room.roomId)).toEqual([r.room.roomId]);
  });

  test("quick-join fills the fullest matching public room first, never a private or mismatched one", async () => {
    await store.registerServer(reg("a", { maxRooms: 10, maxPlayers: 100, labels: { map: "dust" } }));
    const emptier = await publicRoom();
    const fuller = await publicRoom();
    await store.setRoomPlayers({
      roomId: fuller.roomId,
      serverId: "a",
      count: 2,
      joinedPlayerIds: ["p_creator"],
      nowMs: 2500,
    });
    await openRoom(store, { mode: "duel" }); // private
    await publicRoom({ seats: 6 }); // other size
    await publicRoom({ labels: { map: "dust" } }); // other labels
    await publicRoom({ mode: "race" });
    // 2 players of 4 against the other room's one held seat: the fuller one until it is full.
    expect((await quick("q1"))?.roomId).toBe(fuller.roomId);
    expect((await quick("q2"))?.roomId).toBe(fuller.roomId);
    expect((await quick("q2b"))?.roomId).toBe(emptier.roomId);
    expect((await quick("q3", { labels: { map: "dust" } }))?.labels).toEqual({ map: "dust" });
    expect(await quick("q4", { mode: "ctf" })).toBeUndefined();
  });

  test("a public room still opening is offered to quick-joins (they wait for it), but not listed", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    const r = await store.allocateRoom(alloc({ visibility: RoomVisibility.PUBLIC, mode: "duel", seats: 2 }));
    if (r.kind !== "created") throw new Error(r.kind);
    const joined = await quick("q1", { maxPlayers: 2 });
    expect(joined).toMatchObject({ roomId: r.room.roomId, freeSeats: 0 });
    expect(await quick("q2", { maxPlayers: 2 })).toBeUndefined();
    expect((await store.listRooms({ mode: "", region: "", includeFull: true, limit: 10, nowMs: 3000 })).rooms).toEqual(
      [],
    );
  });

  test("quick-joins racing for the last seats never over-fill a room", async () => {
    await store.registerServer(reg("a", { maxRooms: 10 }));
    const room = await publicRoom({ seats: 3 });
    const joined = await Promise.all(Array.from({ length: 10 }, (_, i) => quick(`p${i}`, { maxPlayers: 3 })));
    expect(joined.filter((r) => r?.roomId === room.roomId)).toHaveLength(2);
    expect(joined.filter((r) => r === undefined)).toHaveLength(8);
    expect((await store.getRoom(room.roomId, 3000))!.freeSeats).toBe(0);
    // The holds lapse: the room is joinable again.
    expect((await quick("late", { maxPlayers: 3, nowMs: 60_001, untilMs: 90_000 }))?.roomId).toBe(room.roomId);
  });

  test("quick-join looks in the given regions in order", async () => {
    await store.registerServer(reg("eu", { maxRooms: 5, region: "eu" }));
    await store.registerServer(reg("us", { maxRooms: 5, region: "us" }));
    const eu = await publicRoom({ regions: ["eu"] });
    const us = await publicRoom({ regions: ["us"] });
    expect((await quick("a", { regions: ["us", "eu"] }))?.roomId).toBe(us.roomId);
    expect((await quick("b", { regions: ["ap", "eu"] }))?.roomId).toBe(eu.roomId);
    expect(await quick("c", { regions: ["ap"] })).toBeUndefined();
  });

  test("listings page through public rooms newest first, with filters, without repeats", async () => {
    await store.registerServer(reg("eu", { maxRooms: 20, maxPlayers: 200, region: "eu" }));
    await store.registerServer(reg("us", { maxRooms: 20, maxPlayers: 200, region: "us" }));
    const made: { id: string; at: number; mode: string; region: string }[] = [];
    for (let i = 0; i < 9; i++) {
      // Some share a millisecond: the cursor must still not skip or repeat one.
      const at = 2000 + Math.floor(i / 2);
      const mode = i % 3 === 0 ? "race" : "duel";
      const region = i % 2 === 0 ? "eu" : "us";
      const r = await publicRoom({ nowMs: at, mode, regions: [region], metadata: { name: `room ${i}` } });
      made.push({ id: r.roomId, at, mode, region });
    }
    await openRoom(store, { nowMs: 2100 }); // private: never listed
    const all = async (q: { mode?: string; region?: string; includeFull?: boolean }) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await store.listRooms({
          mode: "",
          region: "",
          includeFull: false,
          limit: 2,
          nowMs: 3000,
          ...q,
          after,
        });
        expect(res.rooms.length).toBeLessThanOrEqual(2);
        seen.push(...res.rooms.map((r) => r.roomId));
        if (!res.next) return seen;
        after = res.next;
      }
      throw new Error("paging never ended");
    };
    const newestFirst = (rows: typeof made) =>
      [...rows].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((r) => r.id);
    expect(await all({})).toEqual(newestFirst(made));
    expect(await all({ mode: "duel" })).toEqual(newestFirst(made.filter((r) => r.mode === "duel")));
    expect(await all({ mode: "race", region: "eu" })).toEqual(
      newestFirst(made.filter((r) => r.mode === "race" && r.region === "eu")),
    );
    const first = (await store.listRooms({ mode: "", region: "", includeFull: false, limit: 1, nowMs: 3000 }))
      .rooms[0]!;
    expect(first.metadata.name).toMatch(/^room \d$/);
    expect(first.freeSeats).toBe(3);
  });

  test("full and moving rooms are listed only when asked for full ones", async () => {
    await store.registerServer(reg("a", { maxRooms: 5 }));
    await store.registerServer(reg("b", { maxRooms: 5 }));
    const full = await publicRoom({ seats: 2 });
    await store.setRoomPlayers({
      roomId: full.roomId,
      serverId: full.serverId,
      count: 2,
      joinedPlayerIds: ["p_creator"],
      nowMs: 2500,
    });
    const moving = await publicRoom();
    await store.handOver({
      roomId: moving.roomId,
      serverId: moving.serverId,
      snapshot: undefined,
      nowMs: 2600,
      leaseMs: 1000,
    });
    const ids = async (includeFull: boolean) =>
      (await store.listRooms({ mode: "", region: "", includeFull, limit: 10, nowMs: 3000 })).rooms
        .map((r) => r.roomId)
        .sort();
    expect(await ids(false)).toEqual([]);
    expect(await ids(true)).toEqual([full.roomId, moving.roomId].sort());
    // A player leaves the full room: it is joinable again.
    await store.setRoomPlayers({
      roomId: full.roomId,
      serverId: full.serverId,
      count: 1,
      joinedPlayerIds: [],
      nowMs: 2700,
    });
    expect(await ids(false)).toEqual([full.roomId]);
    await store.deleteRoom(full.roomId);
    expect(await ids(true)).toEqual([moving.roomId]);
  });
});
