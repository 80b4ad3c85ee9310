// A game server removes the rooms that end on it, and only those: its own, for good.
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb";
import type { Logger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import { freshStore, openRoom, reg } from "../testkit/store-contract";
import { RoomCleanup } from "./room-cleanup";

function recordingLog() {
  const lines: string[] = [];
  const log: Logger = {
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    child: () => log,
  };
  return { log, lines };
}

test("only the reasons that end a room remove it; a hand-over, the Manager's close and any other reason do not", () => {
  const cleanup = new RoomCleanup(new MemoryStore(), "a", recordingLog().log);
  const removes = Object.values(RoomCloseReason)
    .filter((r): r is RoomCloseReason => typeof r === "number")
    .filter((r) => cleanup.removes(r))
    .map((r) => RoomCloseReason[r]);
  expect(removes).toEqual(["EMPTY", "NEVER_JOINED", "ENDED"]);
});

const EMPTY = RoomCloseReason.EMPTY;
/** A store that only fails or answers deleteRoom, and keeps what is published. */
const publishes = { publishEvent: async () => {} };

test("removes its own room, frees its capacity and announces it; a room the store maps to another server stays", async () => {
  const store = await freshStore(() => new MemoryStore());
  await store.registerServer(reg("a", { maxRooms: 1 }));
  await store.registerServer(reg("b", { maxRooms: 1 }));
  const onA = await openRoom(store, { excluded: ["b"] });
  const onB = await openRoom(store, { excluded: ["a"] });
  expect([onA.serverId, onB.serverId]).toEqual(["a", "b"]);

  const cleanup = new RoomCleanup(store, "a", recordingLog().log);
  let heard!: (e: unknown) => void;
  const announced = new Promise((resolve) => (heard = resolve));
  await store.subscribeEvents((e) => e.kind === ClusterEventKind.ROOM_REMOVED && heard(e));
  expect(await cleanup.remove(onA.roomId, RoomCloseReason.NEVER_JOINED)).toBe(true);
  expect(await store.getRoom(onA.roomId)).toBeUndefined();
  expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
  expect(await announced).toMatchObject({ roomId: onA.roomId, serverId: "a", detail: "never joined" });
  // Moved on (here: never ours): the guard on the server id keeps it.
  expect(await cleanup.remove(onB.roomId, EMPTY)).toBe(false);
  expect(await store.getRoom(onB.roomId)).toMatchObject({ serverId: "b" });
  // Gone already: nothing to do, and not an error.
  expect(await cleanup.remove(onA.roomId, EMPTY)).toBe(false);
  const removals = (await store.recentEvents()).filter((e) => e.kind === ClusterEventKind.ROOM_REMOVED);
  expect(removals.map((e) => e.roomId)).toEqual([onA.roomId]);
});

test("a store that fails: the removal answers false (the Manager's path takes over), one warning per outage", async () => {
  let down = true;
  let calls = 0;
  const store = {
    ...publishes,
    deleteRoom: async () => {
      calls++;
      if (down) throw new Error("store unavailable");
      return true;
    },
  };
  const { log, lines } = recordingLog();
  const cleanup = new RoomCleanup(store, "a", log);
  expect(await cleanup.remove("r1", EMPTY)).toBe(false);
  expect(await cleanup.remove("r2", EMPTY)).toBe(false);
  down = false;
  expect(await cleanup.remove("r3", EMPTY)).toBe(true);
  expect(calls).toBe(3);
  expect(lines.filter((l) => !l.startsWith("debug"))).toEqual([
    "warn could not remove an ended room from the store; the Manager will",
    "info removing ended rooms from the store again",
  ]);
});

test("a removal in flight is pending (a registration names its room as closed) until it has an answer", async () => {
  let answer!: (removed: boolean) => void;
  const store = { ...publishes, deleteRoom: () => new Promise<boolean>((r) => (answer = r)) };
  const cleanup = new RoomCleanup(store, "a", recordingLog().log);
  const removal = cleanup.remove("r1", EMPTY);
  expect(cleanup.pending()).toEqual(["r1"]);
  let settled = false;
  const all = cleanup.settled().then(() => (settled = true));
  await Promise.resolve();
  expect(settled).toBe(false);
  answer(true);
  expect(await removal).toBe(true);
  await all;
  expect(cleanup.pending()).toEqual([]);
});
