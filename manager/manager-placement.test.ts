import {
  FakeServer,
  kind,
  manager,
  newManager,
  request,
  settle,
  store,
  useManagerCore,
} from "../test/harness/manager-core";
import { RoomState } from "../gen/roomgate/v1/common_pb";
import { type ClusterEvent, ClusterEventKind } from "../gen/roomgate/v1/gateway_pb";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb";

// The Manager core places rooms: which server, which region, what it answers when none fits.

useManagerCore();

test("no servers: unavailable; all full: resource_exhausted", async () => {
  expect(await kind(manager.allocate(request()))).toBe("unavailable");
  new FakeServer(manager, "a", "eu", 1);
  await settle();
  expect(await kind(manager.allocate(request()))).toBe("ok");
  expect(await kind(manager.allocate(request()))).toBe("resource_exhausted");
});

test("a server's answer to the Manager that placed the room goes on no bus", async () => {
  // The answer settles the open waiting here; a bus message would cost every Manager a message
  // and the server's stream a store round trip for each room.
  new FakeServer(manager, "a");
  await settle();
  const published: Uint8Array[] = [];
  const publishBus = store.publishBus.bind(store);
  store.publishBus = async (m) => {
    published.push(m);
    return publishBus(m);
  };
  for (let i = 0; i < 3; i++) expect(await kind(manager.allocate(request()))).toBe("ok");
  expect(published).toEqual([]);
});

test("spreads rooms over servers, least loaded first", async () => {
  new FakeServer(manager, "a");
  new FakeServer(manager, "b");
  await settle();
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) placed.push((await manager.allocate(request())).room.serverId);
  expect(placed.filter((s) => s === "a")).toHaveLength(3);
  expect(placed.filter((s) => s === "b")).toHaveLength(3);
});

test("packed placement fills one server before it opens the next", async () => {
  const packed = await newManager("m-packed", { placementStrategy: "packed" });
  new FakeServer(packed, "a", "eu", 3);
  new FakeServer(packed, "b", "eu", 3);
  await settle();
  const placed: string[] = [];
  for (let i = 0; i < 6; i++) placed.push((await packed.allocate(request())).room.serverId);
  // Whichever it starts with, it fills that one (3 rooms) before the other.
  expect(placed.slice(0, 3).every((s) => s === placed[0])).toBe(true);
  expect(placed.slice(3).every((s) => s !== placed[0])).toBe(true);
});

test("prefers the asked region and falls back to others", async () => {
  new FakeServer(manager, "eu-1", "eu", 1);
  new FakeServer(manager, "us-1", "us", 5);
  await settle();
  expect((await manager.allocate(request({ region: "eu" }))).room.serverId).toBe("eu-1");
  expect((await manager.allocate(request({ region: "eu" }))).room.serverId).toBe("us-1");
});

test("a server that refuses or stays silent is skipped and its reservation released", async () => {
  const bad = new FakeServer(manager, "bad");
  bad.onOpen = "refuse";
  const slow = new FakeServer(manager, "slow");
  slow.onOpen = "ignore";
  new FakeServer(manager, "good");
  await settle();
  const p = manager.allocate(request());
  await jest.advanceTimersByTimeAsync(1100);
  expect((await p).room.serverId).toBe("good");
  const servers = Object.fromEntries((await store.listServers()).map((s) => [s.id, s]));
  expect(servers.bad!.reservedRooms).toBe(0);
  expect(servers.slow!.reservedRooms).toBe(0);
  expect(servers.good!.reservedRooms).toBe(1);
});

test("the same request_id returns the same room", async () => {
  new FakeServer(manager, "a");
  await settle();
  const [r1, r2] = await Promise.all([
    manager.allocate(request({ requestId: "k" })),
    manager.allocate(request({ requestId: "k" })),
  ]);
  expect(r1.room.roomId).toBe(r2.room.roomId);
  expect([r1.created, r2.created].sort()).toEqual([false, true]);
});

test("a closed room frees its capacity at once", async () => {
  const a = new FakeServer(manager, "a", "eu", 1);
  await settle();
  const { room } = await manager.allocate(request());
  expect(await kind(manager.allocate(request()))).toBe("resource_exhausted");
  a.msg({ case: "roomEvent", value: { roomId: room.roomId, event: { case: "closed", value: { reason: 1 } } } });
  await settle();
  expect(await store.getRoom(room.roomId)).toBeUndefined();
  expect(await kind(manager.allocate(request()))).toBe("ok");
});

test("a room its server removed already is announced once, and the store is not asked again", async () => {
  const a = new FakeServer(manager, "a", "eu", 2);
  await settle();
  const { room } = await manager.allocate(request());
  const events: ClusterEvent[] = [];
  await store.subscribeEvents((e) => events.push(e));
  // What the game server did before it sent `closed` (REMOVE_ENDED_ROOMS).
  expect(await store.deleteRoom(room.roomId, "a")).toBe(true);
  const deletes: unknown[] = [];
  const deleteRoom = store.deleteRoom.bind(store);
  store.deleteRoom = async (...args) => {
    deletes.push(args);
    return deleteRoom(...args);
  };
  a.msg({
    case: "roomEvent",
    value: { roomId: room.roomId, event: { case: "closed", value: { reason: RoomCloseReason.EMPTY, removed: true } } },
  });
  await settle();
  expect(deletes).toEqual([]);
  expect(events.filter((e) => e.kind === ClusterEventKind.ROOM_REMOVED)).toEqual([
    expect.objectContaining({ roomId: room.roomId, serverId: "a", detail: "empty" }),
  ]);
});

test("a hand-over moves the room whatever `removed` says", async () => {
  const a = new FakeServer(manager, "a", "eu", 2);
  await settle();
  const { room } = await manager.allocate(request());
  const b = new FakeServer(manager, "b", "eu", 2);
  await settle();
  a.msg({ case: "draining", value: {} });
  a.msg({
    case: "roomEvent",
    value: {
      roomId: room.roomId,
      event: {
        case: "closed",
        value: { reason: RoomCloseReason.MIGRATING, snapshot: new Uint8Array([7]), removed: true },
      },
    },
  });
  await settle();
  expect(await store.getRoom(room.roomId)).toMatchObject({ state: RoomState.OPEN, serverId: "b", migrations: 1 });
  expect([...b.opened.get(room.roomId)!.snapshot]).toEqual([7]);
});
