// A game server removes the rooms that end on it, and only those: its own, for good.
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb";
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

test("removes its own room and frees its capacity; a room the store maps to another server stays", async () => {
  const store = await freshStore(() => new MemoryStore());
  await store.registerServer(reg("a", { maxRooms: 1 }));
  await store.registerServer(reg("b", { maxRooms: 1 }));
  const onA = await openRoom(store, { excluded: ["b"] });
  const onB = await openRoom(store, { excluded: ["a"] });
  expect([onA.serverId, onB.serverId]).toEqual(["a", "b"]);

  const cleanup = new RoomCleanup(store, "a", recordingLog().log);
  expect(await cleanup.remove(onA.roomId)).toBe(true);
  expect(await store.getRoom(onA.roomId)).toBeUndefined();
  expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
  // Moved on (here: never ours): the guard on the server id keeps it.
  expect(await cleanup.remove(onB.roomId)).toBe(false);
  expect(await store.getRoom(onB.roomId)).toMatchObject({ serverId: "b" });
  // Gone already: nothing to do, and not an error.
  expect(await cleanup.remove(onA.roomId)).toBe(false);
});

test("a store that fails: the removal answers false (the Manager's path takes over), one warning per outage", async () => {
  let down = true;
  let calls = 0;
  const store = {
    deleteRoom: async () => {
      calls++;
      if (down) throw new Error("store unavailable");
      return true;
    },
  };
  const { log, lines } = recordingLog();
  const cleanup = new RoomCleanup(store, "a", log);
  expect(await cleanup.remove("r1")).toBe(false);
  expect(await cleanup.remove("r2")).toBe(false);
  down = false;
  expect(await cleanup.remove("r3")).toBe(true);
  expect(calls).toBe(3);
  expect(lines.filter((l) => !l.startsWith("debug"))).toEqual([
    "warn could not remove an ended room from the store; the Manager will",
    "info removing ended rooms from the store again",
  ]);
});

test("a removal in flight is pending (a registration names its room as closed) until it has an answer", async () => {
  let answer!: (removed: boolean) => void;
  const store = { deleteRoom: () => new Promise<boolean>((r) => (answer = r)) };
  const cleanup = new RoomCleanup(store, "a", recordingLog().log);
  const removal = cleanup.remove("r1");
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
