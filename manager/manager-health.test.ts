import { create } from "@bufbuild/protobuf";
import { GameServerState, RoomState } from "../gen/roomgate/v1/common_pb.js";
import { AttachRequestSchema } from "../gen/roomgate/v1/manager_pb.js";
import {
  advance,
  FakeServer,
  manager,
  newManager,
  REPORT_MS,
  request,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";

// The Manager core watches its servers: missed reports, broken streams and drains move rooms
// to live servers with their last snapshot, and closes are not lost while the store is down.

useManagerCore();

test("one late report is not death; three missed intervals are, and its rooms wait to move", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5); // late, but within three intervals
  a.report();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 2.5);
  expect((await store.getRoom(room.roomId))!.state).toBe(RoomState.OPEN);
  expect(a.closedWith).toBeUndefined();
  await jest.advanceTimersByTimeAsync(REPORT_MS);
  expect(a.closedWith).toMatch(/dead/);
  expect(await store.getServer("a")).toBeUndefined();
  // Nowhere to go yet: it waits (MOVING) until the migration timeout, then it is given up.
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.MOVING, serverId: "" });
  await jest.advanceTimersByTimeAsync(5000);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
});

test("the rooms of a dead server move to a live one under the same id, with their last snapshot", async () => {
  const a = new FakeServer(manager, "a", "eu", 10);
  await settle();
  const rooms = [];
  for (let i = 0; i < 3; i++) rooms.push((await manager.allocate(request({ maxPlayers: 5 }))).room);
  a.msg({
    case: "roomEvent",
    value: { roomId: rooms[0]!.roomId, event: { case: "snapshot", value: { snapshot: new Uint8Array([1, 2, 3]) } } },
  });
  a.msg({
    case: "roomEvent",
    value: { roomId: rooms[1]!.roomId, event: { case: "snapshot", value: { snapshot: new Uint8Array(65) } } },
  }); // over the limit
  await settle();
  const b = new FakeServer(manager, "b", "eu", 10);
  await advance(REPORT_MS * 4, b); // a stays silent
  for (const r of rooms) {
    expect(await store.getRoom(r.roomId)).toMatchObject({
      state: RoomState.OPEN,
      serverId: "b",
      migrations: 1,
      maxPlayers: 5,
    });
    expect(b.opened.get(r.roomId)!.restore).toBe(true);
  }
  expect([...b.opened.get(rooms[0]!.roomId)!.snapshot]).toEqual([1, 2, 3]);
  expect(b.opened.get(rooms[1]!.roomId)!.snapshot.byteLength).toBe(0);
  expect(await store.getServer("b")).toMatchObject({ reservedRooms: 3, reservedSeats: 15 });
});

test("a moved room skips a server that will not take it", async () => {
  const a = new FakeServer(manager, "a", "eu", 10);
  await settle();
  const { room } = await manager.allocate(request());
  const bad = new FakeServer(manager, "bad", "eu", 10);
  bad.onOpen = "refuse";
  const good = new FakeServer(manager, "good", "eu", 10);
  a.handler.onEnd();
  await advance(REPORT_MS * 4, bad, good);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "good" });
  expect(await store.getServer("bad")).toMatchObject({ reservedRooms: 0 });
});

test("a broken stream stops new rooms at once; a server back without its rooms gets them moved, not lost", async () => {
  const a = new FakeServer(manager, "a");
  const b = new FakeServer(manager, "b");
  await settle();
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push((await manager.allocate(request())).room);
  const onA = rooms.filter((r) => r.serverId === "a").map((r) => r.roomId);
  a.handler.onEnd();
  await settle();
  expect((await store.getServer("a"))!.state).toBe(GameServerState.SUSPECT);
  for (let i = 0; i < 3; i++) expect((await manager.allocate(request())).room.serverId).toBe("b");
  // It comes back within the deadline, but restarted: it runs none of its old rooms.
  const back = new FakeServer(manager, "a");
  await advance(REPORT_MS * 2, back, b);
  for (const id of onA) expect(await store.getRoom(id)).toMatchObject({ state: RoomState.OPEN, migrations: 1 });
  expect((await store.getServer("a"))!.state).toBe(GameServerState.LIVE);
});

test("a room that closed while no Manager listened is removed, not moved", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  a.handler.onEnd();
  await settle();
  const handler = manager.attach({ send: () => {}, close: () => {} });
  handler.onMessage(
    create(AttachRequestSchema, {
      msg: {
        case: "register",
        value: {
          serverId: "a",
          address: "ws://127.0.0.1:1",
          region: "eu",
          maxRooms: 10,
          maxPlayers: 1000,
          reportIntervalMs: REPORT_MS,
          closedRoomIds: [room.roomId],
        },
      },
    }),
  );
  await settle();
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
});

test("a room that closes while the store is down is recorded once it is back", async () => {
  const a = new FakeServer(manager, "a", "eu", 1);
  await settle();
  const { room } = await manager.allocate(request());
  const deleteRoom = store.deleteRoom.bind(store);
  let down = true;
  // Fault injection: the store refuses writes as a Redis outage would.
  store.deleteRoom = async (...args) => {
    if (down) throw new Error("store unavailable");
    return deleteRoom(...args);
  };
  a.msg({ case: "roomEvent", value: { roomId: room.roomId, event: { case: "closed", value: { reason: 1 } } } });
  await settle();
  expect(await store.getRoom(room.roomId)).toBeDefined();
  down = false;
  await advance(300, a);
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect((await store.getServer("a"))!.reservedRooms).toBe(0);
});

test("a server that re-registers with its rooms keeps them", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  a.handler.onEnd();
  await settle();
  const again = new FakeServer(manager, "a", "eu", 10, [room.roomId]);
  await advance(REPORT_MS * 4, again);
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "a", migrations: 0 });
  expect((await store.getServer("a"))!.reservedRooms).toBe(1);
});

test("a handed-over room (drain) moves at once and its server stops getting rooms", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const { room } = await manager.allocate(request());
  const b = new FakeServer(manager, "b");
  await settle();
  a.msg({ case: "draining", value: {} });
  a.msg({
    case: "roomEvent",
    value: { roomId: room.roomId, event: { case: "closed", value: { reason: 5, snapshot: new Uint8Array([7]) } } },
  });
  await settle();
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "b", migrations: 1 });
  expect([...b.opened.get(room.roomId)!.snapshot]).toEqual([7]);
  for (let i = 0; i < 3; i++) expect((await manager.allocate(request())).room.serverId).toBe("b");
  a.handler.onEnd();
  await settle();
  expect(await store.getServer("a")).toBeUndefined();
});

test("an idle server may report only on the heartbeat it is given; silent for the death deadline it is dead", async () => {
  const a = new FakeServer(manager, "a");
  await settle();
  const registered = a.sent.find((m) => m.msg.case === "registered")!.msg.value as { heartbeatIntervalMs: number };
  // Three missed intervals is death: the heartbeat leaves HEARTBEAT_SLACK_MS (1 s, one interval) of slack.
  expect(registered.heartbeatIntervalMs).toBe(2 * REPORT_MS);
  for (let i = 0; i < 5; i++) {
    await jest.advanceTimersByTimeAsync(registered.heartbeatIntervalMs);
    a.report();
  }
  await settle();
  expect((await store.getServer("a"))!.state).toBe(GameServerState.LIVE);
  expect(a.closedWith).toBeUndefined();
  await jest.advanceTimersByTimeAsync(REPORT_MS * 3 + 300);
  expect(a.closedWith).toMatch(/dead/);
});

test("a server whose death deadline leaves no room for the slack is asked to report every interval", async () => {
  const fast = new FakeServer(manager, "fast");
  const m2 = await newManager("m2", { heartbeatSlackMs: 2500 });
  const slow = new FakeServer(m2, "slow");
  await settle();
  const heartbeat = (s: FakeServer) =>
    (s.sent.find((m) => m.msg.case === "registered")!.msg.value as { heartbeatIntervalMs: number }).heartbeatIntervalMs;
  expect([heartbeat(fast), heartbeat(slow)]).toEqual([2 * REPORT_MS, REPORT_MS]);
});
