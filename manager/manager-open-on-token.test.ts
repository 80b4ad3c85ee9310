import { create } from "@bufbuild/protobuf";
import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import { AllocateRoomRequestSchema } from "../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../common/ids";
import { MAX_OPEN_METADATA_BYTES } from "../common/open-claims";
import {
  advance,
  FakeServer,
  manager,
  REPORT_MS,
  request,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";

// Servers that open rooms on their first join token (Register.opens_on_token): the Manager places
// rooms there without asking, the server's `opened` makes them OPEN, and a room nobody reached is
// reclaimed, or moved when its server dies first.

useManagerCore();

const TOKEN = { opensOnToken: true };
const openRooms = (s: FakeServer) => s.sent.filter((m) => m.msg.case === "openRoom").length;

test("the server is not asked: the room is answered OPENING and its first token's `opened` makes it OPEN", async () => {
  const a = new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const { room, created } = await manager.allocate(request());
  expect({ created, state: room.state, serverId: room.serverId }).toEqual({
    created: true,
    state: RoomState.OPENING,
    serverId: "a",
  });
  expect(openRooms(a)).toBe(0);
  a.openOnToken(room.roomId);
  await settle();
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPEN);
  expect(a.sent.filter((m) => m.msg.case === "closeRoom")).toEqual([]);
});

test("a server that predates it still gets open_room, and the answer comes first", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  expect(room.state).toBe(RoomState.OPEN);
  expect(openRooms(a)).toBe(1);
});

test("a room nobody came to within its first-join window is reclaimed, and its server told", async () => {
  const a = new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const req = create(AllocateRoomRequestSchema, { roomId: newRoomId(), maxPlayers: 4, firstJoinTimeoutMs: 2000 });
  const { room } = await manager.allocate(req);
  // The deadline: open-room timeout (500) + 1 s + the first-join window.
  await advance(3400, a);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPENING });
  await advance(300, a);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
  expect(a.sent.some((m) => m.msg.case === "closeRoom" && m.msg.value.roomId === room.roomId)).toBe(true);
});

test("a server that dies before anyone came: its promised rooms move, as open ones do", async () => {
  new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const { room } = await manager.allocate(request());
  const b = new FakeServer(manager, "b");
  await advance(REPORT_MS * 4, b); // a stays silent
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "b", migrations: 1 });
  expect(b.opened.get(room.roomId)!.restore).toBe(true);
});

test("a logic room whose metadata would not fit a token is opened with open_room", async () => {
  const labels = { "room-type/chess": "1" };
  const a = new FakeServer(manager, "a", "eu", 10, [], { ...TOKEN, labels });
  await settle();
  const small = await manager.allocate(
    create(AllocateRoomRequestSchema, { roomId: newRoomId(), maxPlayers: 2, labels, metadata: { map: "dust" } }),
  );
  expect(small.room.state).toBe(RoomState.OPENING);
  const big = await manager.allocate(
    create(AllocateRoomRequestSchema, {
      roomId: newRoomId(),
      maxPlayers: 2,
      labels,
      metadata: { a: "x".repeat(MAX_OPEN_METADATA_BYTES / 2), b: "y".repeat(MAX_OPEN_METADATA_BYTES / 2) },
    }),
  );
  expect(big.room.state).toBe(RoomState.OPEN);
  expect(a.opened.has(big.room.roomId)).toBe(true);
  expect(openRooms(a)).toBe(1);
});

test("a room a token opened that the store no longer maps there is closed on its server", async () => {
  const a = new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const stray = newRoomId();
  a.openOnToken(stray);
  await settle();
  expect(a.sent.filter((m) => m.msg.case === "closeRoom").map((m) => m.msg.value)).toMatchObject([{ roomId: stray }]);
});

test("a server back with a room whose `opened` was lost keeps it OPEN; one no token reached yet waits on", async () => {
  const a = new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const opened = (await manager.allocate(request())).room;
  const waiting = (await manager.allocate(request())).room;
  a.handler.onEnd(); // went down with the stream before the Manager heard `opened`
  await settle();
  const back = new FakeServer(manager, "a", "eu", 10, [opened.roomId], TOKEN);
  await advance(REPORT_MS, back);
  expect(back.sent.find((m) => m.msg.case === "registered")!.msg.value).toMatchObject({ roomIds: [opened.roomId] });
  expect(await store.getRoom(opened.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "a" });
  expect(await store.getRoom(waiting.roomId)).toMatchObject({ state: RoomState.OPENING, serverId: "a" });
  expect((await store.getServer("a"))!.reservedRooms).toBe(2);
});

test("a room whose `opened` was lost but whose players were counted is confirmed at its deadline, not reclaimed", async () => {
  const a = new FakeServer(manager, "a", "eu", 10, [], TOKEN);
  await settle();
  const req = create(AllocateRoomRequestSchema, { roomId: newRoomId(), maxPlayers: 4, firstJoinTimeoutMs: 2000 });
  const { room } = await manager.allocate(req);
  a.msg({ case: "roomEvent", value: { roomId: room.roomId, event: { case: "players", value: { count: 1 } } } });
  await advance(4000, a);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, playerCount: 1 });
  expect(a.sent.filter((m) => m.msg.case === "closeRoom")).toEqual([]);
});
