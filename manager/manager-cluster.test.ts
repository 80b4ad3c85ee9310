import { create } from "@bufbuild/protobuf";
import { GameServerState, RoomState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { AttachRequestSchema } from "../gen/roomgate/v1/manager_pb.js";
import { newRoomId } from "../common/ids";
import {
  advance,
  FakeServer,
  kind,
  manager,
  newManager,
  REPORT_MS,
  request,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";

// Several Managers share one store: each reaches servers attached to another through the bus,
// and a restarted or dead Manager's servers and rooms are taken over.

useManagerCore();

test("drain: unknown servers are not_found; a connected one is told, through whichever Manager holds it", async () => {
  expect(await kind(manager.drain("nobody"))).toBe("not_found");
  const other = await newManager("m2");
  const a = new FakeServer(other, "a");
  await settle();
  await manager.drain("a");
  await settle();
  expect(a.sent.some((m) => m.msg.case === "drain")).toBe(true);
  expect((await store.getServer("a"))!.state).toBe(GameServerState.DRAINING);
  expect(await kind(manager.allocate(request()))).toBe("unavailable");
});

test("any Manager places rooms on servers attached to another, through the bus", async () => {
  const other = await newManager("m2");
  const a = new FakeServer(other, "a");
  await settle();
  const { room } = await manager.allocate(request());
  expect(room.serverId).toBe("a");
  expect(a.opened.has(room.roomId)).toBe(true);
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPEN);
});

test("a room placed by a Manager that died before its server answered is reclaimed by another", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  // What a Manager killed between placing a room and hearing back leaves behind.
  const left = await store.allocateRoom({
    roomId: newRoomId(),
    strategy: "distributed",
    regions: [],
    labels: {},
    excluded: [],
    seats: 4,
    creatorPlayerId: "p",
    idempotencyTtlMs: 1000,
    nowMs: Date.now(),
    openDeadlineMs: Date.now() + 1500,
    holdUntilMs: Date.now() + 1500,
    visibility: RoomVisibility.PRIVATE,
    mode: "",
    metadata: {},
  });
  expect(left.kind).toBe("created");
  expect((await store.getServer("a"))!.reservedRooms).toBe(1);
  await advance(2000, a);
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
  expect(a.sent.some((m) => m.msg.case === "closeRoom")).toBe(true);
});

// Malformed requests and registrations are refused at the gRPC edge (service.test.ts); the order
// of an Attach stream is the core's own rule.
test("a stream that does not start with register is refused", async () => {
  const closed: string[] = [];
  const h = manager.attach({ send: () => {}, close: (r) => closed.push(r) });
  h.onMessage(create(AttachRequestSchema, { msg: { case: "load", value: {} } }));
  expect(closed[0]).toMatch(/first message/);
});

test("a restarted Manager buries servers that never come back, moves their rooms, and keeps those that do", async () => {
  new FakeServer(manager, "gone");
  new FakeServer(manager, "back");
  await settle();
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push((await manager.allocate(request())).room);
  manager.close();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 5); // no Manager for a while: every deadline passes

  const next = await newManager("m2");
  const backRooms = rooms.filter((r) => r.serverId === "back").map((r) => r.roomId);
  const back = new FakeServer(next, "back", "eu", 10, backRooms);
  await advance(REPORT_MS * 4, back);
  expect(await store.getServer("gone")).toBeUndefined();
  for (const r of rooms)
    expect(await store.getRoom(r.roomId)).toMatchObject({
      state: RoomState.OPEN,
      serverId: "back",
      migrations: r.serverId === "back" ? 0 : 1,
    });
  expect((await store.getServer("back"))!.state).toBe(GameServerState.LIVE);
});

test("servers whose Manager is gone and that have not attached again mean unavailable, not full", async () => {
  new FakeServer(manager, "a");
  await settle();
  manager.close();
  await settle();
  const next = await newManager("m2");
  expect(await kind(next.allocate(request()))).toBe("unavailable");
});
