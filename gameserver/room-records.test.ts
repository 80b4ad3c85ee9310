// A game server records the rooms it opened on a token itself (the first token's use, seat counts),
// and hands a room to the Manager's path when it cannot.
import { create } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb";
import { RoomOpenClaimsSchema } from "../gen/roomgate/v1/room_pb";
import { RoomState } from "../gen/roomgate/v1/common_pb";
import type { Logger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import type { TokenOpenResult } from "../common/store/rooms";
import { alloc, freshStore, reg } from "../testkit/store-contract";
import { FakeConn, LIMITS } from "../testkit/room-host-fixture";
import { RoomHost } from "./room-host";
import type { RoomEvents } from "./room-events";
import { type RecordedHost, RoomRecords, type RoomRecordsStore } from "./room-records";

function recordingLog() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => log,
  };
  return { log, lines };
}

/** What reaches the Manager link. */
function managerSide(records: RoomRecords) {
  const heard: string[] = [];
  const link: RoomEvents = {
    opened: (id, onToken) => heard.push(`opened ${id}${onToken ? " on token" : ""}`),
    players: (id, n, joined) => heard.push(`players ${id} ${n}${joined ? ` ${joined}` : ""}`),
    closed: (id, r) => heard.push(`closed ${id} ${RoomCloseReason[r]}`),
    snapshot: (id) => heard.push(`snapshot ${id}`),
  };
  records.subscribe(link);
  return heard;
}

/** A host that only says whether it is fenced and which rooms it was told to close. */
function fakeHost(): RecordedHost & { fenced: boolean; closedRooms: string[]; isFenced: boolean } {
  const h = {
    serverId: "gs-1",
    fenced: false,
    closedRooms: [] as string[],
    get isFenced() {
      return h.fenced;
    },
    closeRoom: (id: string) => void h.closedRooms.push(id),
  };
  return h;
}

/** A store whose every answer the test gives, in order. */
function heldStore() {
  const calls: string[] = [];
  const answers: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  const wait = <T>() => new Promise<T>((resolve, reject) => answers.push({ resolve: resolve as never, reject }));
  const store: RoomRecordsStore = {
    openRoomOnToken: (t) => {
      calls.push(`open ${t.roomId} ${t.playerId} ${t.count}`);
      return wait<TokenOpenResult>();
    },
    setRoomPlayers: (r) => {
      calls.push(`players ${r.roomId} ${r.count} [${r.joinedPlayerIds.join(",")}]`);
      return wait<boolean>();
    },
  };
  const settle = async (f: (a: (typeof answers)[number]) => void) => {
    f(answers.shift()!);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return {
    store,
    calls,
    answer: (v: unknown) => settle((a) => a.resolve(v)),
    fail: () => settle((a) => a.reject(new Error("store unavailable"))),
  };
}

const spend = (tokenId = "t1") => ({ tokenId, untilMs: 62_000, nowMs: 2000 });

test("with a real host and store: the first token records the room OPEN and seated; counts are written; the Manager hears only the end", async () => {
  jest.useFakeTimers({ doNotFake: ["nextTick", "queueMicrotask"] });
  try {
    const store = await freshStore(() => new MemoryStore());
    await store.registerServer(reg("gs-1", { opensOnToken: true, maxRooms: 2, maxPlayers: 16 }));
    const r = await store.allocateRoom(alloc({ seats: 3, tokenOpenDeadlineMs: 9000 }));
    if (r.kind !== "created" || !r.opensOnToken) throw new Error("expected a room opened on its token");
    const roomId = r.room.roomId;
    const host = new RoomHost("gs-1", LIMITS, recordingLog().log, () => 0);
    const records = new RoomRecords(store, host, recordingLog().log, () => 2000);
    const heard = managerSide(records);
    host.subscribe(records);

    host.openOnToken(roomId, create(RoomOpenClaimsSchema, { maxPlayers: 3, openUntilMs: 10_000n }));
    expect(await records.firstToken(roomId, "p_creator", spend())).toBe("fresh");
    expect(await store.getRoom(roomId, 2000)).toMatchObject({ state: RoomState.OPEN, playerCount: 1, freeSeats: 2 });
    const creator = new FakeConn();
    host.join(roomId, "p_creator", "ann", creator);
    expect((await store.holdSeat({ roomId, playerId: "p2", untilMs: 62_000, nowMs: 2000, rejoin: false })).kind).toBe(
      "held",
    );
    // Later tokens of the room are spent as any other: this one is not its first.
    expect(records.firstToken(roomId, "p2", spend("t2"))).toBeUndefined();
    const second = new FakeConn();
    host.join(roomId, "p2", "bob", second);
    await Promise.resolve();
    expect(await store.getRoom(roomId, 2000)).toMatchObject({ playerCount: 2, freeSeats: 1 });
    host.leave(roomId, "p2", second, true);
    await Promise.resolve();
    expect(await store.getRoom(roomId, 2000)).toMatchObject({ playerCount: 1, freeSeats: 2 });
    host.leave(roomId, "p_creator", creator, true);
    expect(heard).toEqual([`closed ${roomId} EMPTY`]);
    expect(records.tracked).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

test("one write at a time per room: counts that come meanwhile collapse into the newest, with everyone who joined", async () => {
  const { store, calls, answer } = heldStore();
  const records = new RoomRecords(store, fakeHost(), recordingLog().log);
  const heard = managerSide(records);
  records.opened("r1", true);
  const first = records.firstToken("r1", "pa", spend());
  // A second player's spend won the race: its count waits for the room's first write, and counts
  // the first token's player too, whom that write seats before it has joined here (a count of 1
  // would show that seat free until its own join's count).
  records.players("r1", 1, "pb");
  expect(calls).toEqual(["open r1 pa 1"]);
  await answer("opened");
  expect(await first).toBe("fresh");
  expect(calls).toEqual(["open r1 pa 1", "players r1 2 [pb]"]);
  // The first player seated: what the first write said already (nothing is written for it).
  records.players("r1", 2, "pa");
  records.players("r1", 3, "pc");
  records.players("r1", 2);
  expect(calls).toHaveLength(2);
  await answer(true);
  expect(calls.slice(2)).toEqual(["players r1 2 [pa,pc]"]);
  await answer(true);
  records.players("r1", 2, "pa");
  expect(calls).toHaveLength(3);
  expect(heard).toEqual([]);
});

test("a store that fails: the room goes the Manager's way, `opened` first, then the count not written and all later", async () => {
  const { store, answer, fail } = heldStore();
  const { log, lines } = recordingLog();
  const records = new RoomRecords(store, fakeHost(), log);
  const heard = managerSide(records);
  records.opened("r1", true);
  const first = records.firstToken("r1", "pa", spend());
  await fail();
  await expect(first).rejects.toThrow("store unavailable");
  expect(heard).toEqual(["opened r1 on token"]);
  records.players("r1", 1, "pb");
  expect(heard).toEqual(["opened r1 on token", "players r1 1 pb"]);

  // Recorded here, then a count the store refuses: that one and the one behind it reach the Manager.
  records.opened("r2", true);
  const second = records.firstToken("r2", "pa", spend("t2"));
  await answer("opened");
  expect(await second).toBe("fresh");
  records.players("r2", 2, "pb");
  records.players("r2", 3, "pc");
  await fail();
  expect(heard.slice(2)).toEqual(["players r2 3 pb", "players r2 3 pc"]);
  records.players("r2", 2);
  expect(heard.slice(4)).toEqual(["players r2 2"]);
  // Then the store is back: the next room is recorded here again.
  records.opened("r3", true);
  const third = records.firstToken("r3", "pa", spend("t3"));
  await answer("opened");
  expect(await third).toBe("fresh");
  expect(heard).toHaveLength(5);
  // One warning per outage, one line when it is over.
  expect(lines).toEqual([
    "warn could not record a room in the store; the Manager will",
    "info recording rooms in the store again",
    "warn could not record a room in the store; the Manager will",
    "info recording rooms in the store again",
  ]);
});

test("a room the store places elsewhere by now is closed here; a token used before goes the Manager's way", async () => {
  const { store, answer } = heldStore();
  const host = fakeHost();
  const records = new RoomRecords(store, host, recordingLog().log);
  const heard = managerSide(records);
  records.opened("r1", true);
  const first = records.firstToken("r1", "pa", spend());
  await answer("gone");
  expect(await first).toBe("gone");
  expect(host.closedRooms).toEqual(["r1"]);
  expect(heard).toEqual([]);
  records.opened("r2", true);
  const second = records.firstToken("r2", "pa", spend("t2"));
  await answer("spent");
  expect(await second).toBe("spent");
  expect(heard).toEqual(["opened r2 on token"]);
});

test("a room's `closed` never overtakes its opening: a held room's `opened` goes first, one being written waits", async () => {
  const { store, answer } = heldStore();
  const records = new RoomRecords(store, fakeHost(), recordingLog().log);
  const heard = managerSide(records);
  // A full server hands the room straight over: the Manager records it open before the hand-over.
  records.opened("r1", true);
  records.closed("r1", RoomCloseReason.MIGRATING);
  expect(heard).toEqual(["opened r1 on token", "closed r1 MIGRATING"]);
  // A drain while the first token is being written: the hand-over goes once the store has the room.
  records.opened("r2", true);
  const first = records.firstToken("r2", "pa", spend());
  records.closed("r2", RoomCloseReason.MIGRATING);
  let settled = false;
  const all = records.settled().then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
  expect(heard).toHaveLength(2);
  await answer("opened");
  await first;
  await all;
  expect(heard.slice(2)).toEqual(["closed r2 MIGRATING"]);
  expect(records.tracked).toBe(0);
});

test("nothing is written for a fenced server, nor for rooms open_room opened (restored ones included)", async () => {
  const { store, calls } = heldStore();
  const host = fakeHost();
  const records = new RoomRecords(store, host, recordingLog().log);
  const heard = managerSide(records);
  records.opened("r1");
  records.players("r1", 1, "pa");
  host.fenced = true;
  records.opened("r2", true);
  expect(records.firstToken("r2", "pa", spend())).toBeUndefined();
  records.closed("r2", RoomCloseReason.FENCED);
  expect(calls).toEqual([]);
  expect(heard).toEqual(["opened r1", "players r1 1 pa", "opened r2 on token", "closed r2 FENCED"]);
});

test("a first token's player who never joins stops being counted once the server says so", async () => {
  const { store, calls, answer } = heldStore();
  const records = new RoomRecords(store, fakeHost(), recordingLog().log);
  managerSide(records);
  records.opened("r1", true);
  const first = records.firstToken("r1", "pa", spend());
  records.players("r1", 1, "pb");
  await answer("opened");
  expect(await first).toBe("fresh");
  expect(calls).toEqual(["open r1 pa 1", "players r1 2 [pb]"]);
  // pa's socket closed before its welcome: the server counts its room again, without pa.
  records.unseated("r1", "pa");
  records.players("r1", 1);
  await answer(true);
  expect(calls.slice(2)).toEqual(["players r1 1 []"]);
});
