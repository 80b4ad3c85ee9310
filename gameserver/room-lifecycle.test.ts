// Rooms open, take and refuse players, and close when empty or never joined.
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import { FakeConn, RoomHostFixture } from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

test("welcome first, joins and leaves announced, empty room closed at once (its close says it is empty)", () => {
  t.host.openRoom("r1", 2, 30_000);
  const a = new FakeConn();
  const b = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.join("r1", "pb", "bob", b);
  expect(a.cases()).toEqual(["welcome", "playerJoined"]);
  expect(b.cases()).toEqual(["welcome"]);
  expect(b.frames[0]!.frame.value).toMatchObject({
    roomId: "r1",
    playerId: "pb",
    serverId: "gs-1",
    players: [{ id: "pa" }, { id: "pb" }],
  });
  t.host.leave("r1", "pb", b);
  expect(a.cases()).toContain("playerLeft");
  t.host.leave("r1", "pa", a);
  expect(t.events).toEqual(["opened r1", "players r1 1", "players r1 2", "players r1 1", "closed r1 EMPTY"]);
  expect(t.host.stats).toEqual({ rooms: 0, players: 0 });
});

test("room events reach every subscriber, in order", () => {
  const heard: string[] = [];
  t.host.subscribe({
    opened: (id) => heard.push(`opened ${id}`),
    players: (id, n, joined) => heard.push(`players ${id} ${n} ${joined ?? "-"}`),
    closed: (id, r) => heard.push(`closed ${id} ${RoomCloseReason[r]}`),
    snapshot: (id) => heard.push(`snapshot ${id}`),
  });
  t.host.openRoom("r1", 2, 30_000);
  const a = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.takeSnapshots();
  t.host.leave("r1", "pa", a);
  expect(heard).toEqual(["opened r1", "players r1 1 pa", "snapshot r1", "closed r1 EMPTY"]);
  expect(t.events).toEqual(["opened r1", "players r1 1", "closed r1 EMPTY"]);
});

test("full rooms, unknown rooms and a full server are refused before the upgrade", () => {
  t.host.openRoom("r1", 1, 30_000);
  t.host.openRoom("r2", 5, 30_000);
  expect(t.host.openRoom("r3", 1, 30_000)).toMatchObject({ status: 503 });
  t.host.join("r1", "pa", "", new FakeConn());
  expect(t.host.admit("r1", "pb")).toMatchObject({ status: 409 });
  expect(t.host.admit("nope", "pb")).toMatchObject({ status: 404 });
  t.host.join("r2", "p1", "", new FakeConn());
  t.host.join("r2", "p2", "", new FakeConn());
  expect(t.host.admit("r2", "p3")).toMatchObject({ status: 503, reason: "server is full" });
});

test("a room nobody joins closes when the first token would have expired", () => {
  t.host.openRoom("r1", 2, 30_000);
  jest.advanceTimersByTime(29_999);
  expect(t.host.stats.rooms).toBe(1);
  jest.advanceTimersByTime(1);
  expect(t.events).toContain("closed r1 NEVER_JOINED");
});

test("a room that waits for its players to come back tells its empty seat count first", () => {
  t.host = t.makeHost({ reconnectGraceMs: 5_000 });
  t.host.openRoom("r1", 2, 30_000);
  const a = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.leave("r1", "pa", a);
  expect(t.events).toEqual(["opened r1", "players r1 1", "players r1 0"]);
  jest.advanceTimersByTime(5_000);
  expect(t.events.at(-1)).toBe("closed r1 EMPTY");
});

test("a join or leave nobody else would hear is not published at all", () => {
  const published: string[] = [];
  t.host.fanout = { publish: (topic) => published.push(topic) };
  t.host.openRoom("r1", 3, 30_000);
  const a = new FakeConn();
  const b = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  expect(published).toEqual([]);
  t.host.join("r1", "pb", "bob", b);
  expect(published).toEqual(["r1"]);
  t.host.leave("r1", "pb", b);
  expect(published).toEqual(["r1", "r1"]);
  t.host.leave("r1", "pa", a);
  expect(published).toEqual(["r1", "r1"]);
});
