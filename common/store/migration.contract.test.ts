import { RoomState } from "../../gen/roomgate/v1/common_pb.js";
import { alloc, freshStore, implementations, reg } from "../../testkit/store-contract";
import type { RoomStore } from "./store";

// Snapshots and moving rooms (claim, move, finish, defer, hand over), over every store.

describe.each(implementations)("%s migration", (_name, make) => {
  let store: RoomStore;
  beforeEach(async () => {
    store = await freshStore(make);
  });
  afterEach(async () => {
    await store.close();
  });

  test("a moving room keeps its id and snapshot, lands on a live server, and is claimed once at a time", async () => {
    const a = await store.registerServer(reg("a", { maxRooms: 3 }));
    const r = await store.allocateRoom(alloc({ seats: 6 }));
    if (r.kind !== "created") throw new Error("expected a room");
    const id = r.room.roomId;
    await store.confirmRoom({ roomId: id, serverId: "a", nowMs: 3000 });
    const snap = new Uint8Array([0, 1, 2, 255, 0, 10]);
    expect(await store.saveSnapshot({ roomId: id, serverId: "b", snapshot: snap })).toBe(false);
    expect(await store.saveSnapshot({ roomId: id, serverId: "a", snapshot: snap })).toBe(true);
    expect(await store.listMoving(10)).toEqual([]);
    await store.removeServer({ id: "a", epoch: a.epoch, nowMs: 7000 });
    // In flight: listed for dashboards, claimed or not.
    expect(await store.listMoving(10)).toEqual([id]);
    expect(await store.listMoving(0)).toEqual([]);

    expect(await store.claimMoving({ nowMs: 8000, leaseMs: 5000, limit: 10 })).toEqual([id]);
    expect(await store.listMoving(10)).toEqual([id]);
    expect(await store.claimMoving({ nowMs: 9000, leaseMs: 5000, limit: 10 })).toEqual([]);
    expect(await store.moveRoom({ roomId: id, strategy: "distributed", excluded: [], nowMs: 9000 })).toEqual({
      kind: "none",
      movingSinceMs: 7000,
    });

    await store.registerServer(reg("b", { maxRooms: 2 }));
    await store.registerServer(reg("c", { maxRooms: 2 }));
    const first = await store.moveRoom({ roomId: id, strategy: "distributed", excluded: ["c"], nowMs: 9000 });
    expect(first).toMatchObject({
      kind: "placed",
      room: { roomId: id, serverId: "b", state: RoomState.MOVING, maxPlayers: 6 },
    });
    expect(await store.getServer("b")).toMatchObject({ reservedRooms: 1, reservedSeats: 6 });
    // b never confirmed: the next attempt gives b's reservation back before taking c's.
    const second = await store.moveRoom({ roomId: id, strategy: "distributed", excluded: ["b"], nowMs: 9500 });
    expect(second).toMatchObject({ kind: "placed", room: { serverId: "c" } });
    expect(await store.getServer("b")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.finishMove({ roomId: id, serverId: "b", nowMs: 9000 })).toBe(false);
    expect(await store.finishMove({ roomId: id, serverId: "c", nowMs: 9000 })).toBe(true);
    expect(await store.getRoom(id)).toMatchObject({ state: RoomState.OPEN, serverId: "c", migrations: 1 });
    expect(await store.listMoving(10)).toEqual([]);
    expect(await store.getSnapshot(id)).toEqual(snap);
    expect(await store.moveRoom({ roomId: id, strategy: "distributed", excluded: [], nowMs: 9500 })).toEqual({
      kind: "gone",
    });
    expect(await store.claimMoving({ nowMs: 20_000, leaseMs: 5000, limit: 10 })).toEqual([]);
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
    expect(
      await store.handOver({ roomId: id, serverId: "a", snapshot: new Uint8Array([9]), nowMs: 5000, leaseMs: 3000 }),
    ).toBe(false); // not open yet
    await store.confirmRoom({ roomId: id, serverId: "a", nowMs: 3000 });
    expect(
      await store.handOver({ roomId: id, serverId: "b", snapshot: new Uint8Array([9]), nowMs: 5000, leaseMs: 3000 }),
    ).toBe(false);
    expect(
      await store.handOver({ roomId: id, serverId: "a", snapshot: new Uint8Array([9, 9]), nowMs: 5000, leaseMs: 3000 }),
    ).toBe(true);
    expect(await store.getServer("a")).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.listServerRooms("a")).toEqual([]);
    expect(await store.getSnapshot(id)).toEqual(new Uint8Array([9, 9]));
    expect(await store.claimMoving({ nowMs: 7000, leaseMs: 1000, limit: 10 })).toEqual([]);
    await store.deferMove({ roomId: id, untilMs: 7500 });
    expect(await store.claimMoving({ nowMs: 7600, leaseMs: 1000, limit: 10 })).toEqual([id]);
    const moved = await store.moveRoom({ roomId: id, strategy: "distributed", excluded: ["a"], nowMs: 7600 });
    expect(moved).toEqual({ kind: "none", movingSinceMs: 5000 });
    expect(await store.deleteRoom(id)).toBe(true);
    expect(await store.claimMoving({ nowMs: 99_000, leaseMs: 1000, limit: 10 })).toEqual([]);
  });

  test("a room handed over while still moving onto its server moves again, as moving since it first left", async () => {
    await store.registerServer(reg("a", { maxRooms: 3 }));
    await store.registerServer(reg("b", { maxRooms: 3 }));
    const r = await store.allocateRoom(alloc());
    if (r.kind !== "created") throw new Error("expected a room");
    const id = r.room.roomId;
    const from = r.room.serverId;
    const to = from === "a" ? "b" : "a";
    await store.confirmRoom({ roomId: id, serverId: from, nowMs: 3000 });
    expect(await store.handOver({ roomId: id, serverId: from, nowMs: 5000, leaseMs: 3000 })).toBe(true);
    const moved = await store.moveRoom({ roomId: id, strategy: "distributed", excluded: [from], nowMs: 6000 });
    expect(moved).toMatchObject({ kind: "placed", room: { serverId: to } });
    // The new server opened it, and hands it over (it began to drain) before the move is finished.
    expect(
      await store.handOver({ roomId: id, serverId: to, snapshot: new Uint8Array([7]), nowMs: 6500, leaseMs: 3000 }),
    ).toBe(true);
    expect(await store.getServer(to)).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    expect(await store.finishMove({ roomId: id, serverId: to, nowMs: 6600 })).toBe(false);
    expect(await store.getRoom(id)).toMatchObject({ state: RoomState.MOVING, serverId: "" });
    expect(await store.getSnapshot(id)).toEqual(new Uint8Array([7]));
    const again = await store.moveRoom({ roomId: id, strategy: "distributed", excluded: [from, to], nowMs: 7000 });
    expect(again).toEqual({ kind: "none", movingSinceMs: 5000 });
  });
});
