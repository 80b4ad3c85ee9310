import { RoomState } from "../gen/roomgate/v1/common_pb";
import { FakeServer, manager, request, settle, store, useManagerCore } from "../test/harness/manager-core";

// Chaos (SIGKILL a Redis Cluster master, then a drain): a move opened its room on a server, which
// fenced before the move was recorded and registered again without it; the move then finished,
// and the store had the room open on a server that did not run it. Nothing moved it again, and its
// players found "no such room" until they gave up. A server names the rooms its fence stopped
// (Register.fenced_room_ids): such a room still moving to it is taken off it, so the late finish
// fails, and moves again.

useManagerCore();

/**
 * Servers "b" (one room) and "a"; a room on "b", handed over, and placed on "a" by another
 * Manager's move, whose open "a" has confirmed: the move is about to finish.
 */
async function movingToA() {
  const b = new FakeServer(manager, "b", "eu", 1);
  await settle();
  new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  expect(room.serverId).toBe("b");
  const nowMs = Date.now();
  expect(await store.handOver({ roomId: room.roomId, serverId: "b", nowMs, leaseMs: 60_000 })).toBe(true);
  const placed = await store.moveRoom({ roomId: room.roomId, strategy: "distributed", excluded: ["b"], nowMs });
  expect(placed).toMatchObject({ kind: "placed", room: { serverId: "a" } });
  return { roomId: room.roomId, b };
}

test("a room a fence stopped while its move to that server was unfinished moves again; the late finish fails", async () => {
  const { roomId, b } = await movingToA();
  // "a" fenced, and registers again without the room, naming it as fenced.
  const again = new FakeServer(manager, "a", "eu", 10, [], { fencedRoomIds: [roomId] });
  await settle();
  // The other Manager's move finishes late: it must not record the room on "a".
  expect(await store.finishMove({ roomId, serverId: "a", nowMs: Date.now() })).toBe(false);
  // This Manager moved it again, from its snapshot, to a server that opened it.
  await settle();
  const room = await store.getRoom(roomId);
  expect(room?.state).toBe(RoomState.OPEN);
  const opener = [again, b].find((s) => s.id === room?.serverId)!;
  expect(opener.opened.get(roomId)?.restore).toBe(true);
});

test("a server that names no fenced rooms keeps today's answer: a move still under way to it is left to finish", async () => {
  const { roomId } = await movingToA();
  // Registered again without the room and without a fence: its open may still be on the way.
  new FakeServer(manager, "a", "eu", 10, []);
  await settle();
  expect(await store.finishMove({ roomId, serverId: "a", nowMs: Date.now() })).toBe(true);
  expect((await store.getRoom(roomId))?.serverId).toBe("a");
});
