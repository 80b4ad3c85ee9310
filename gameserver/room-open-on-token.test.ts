// A room the Manager placed without open_room opens on its first join token, once.
import { create } from "@bufbuild/protobuf";
import { RoomOpenClaimsSchema } from "../gen/roomgate/v1/room_pb.js";
import { defineRoom } from "../rooms/index.js";
import { FakeConn, RoomHostFixture } from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

const claims = (over: Partial<{ maxPlayers: number; roomType: string; metadata: Record<string, string> }> = {}) =>
  create(RoomOpenClaimsSchema, { maxPlayers: 2, openUntilMs: 10_000n, ...over });

test("the first token opens the room and says so; later tokens find it open", () => {
  expect(t.host.openOnToken("r1", claims())).toBeUndefined();
  expect(t.host.openOnToken("r1", claims())).toBeUndefined();
  expect(t.events).toEqual(["opened r1 on token"]);
  t.host.join("r1", "pa", "ann", new FakeConn());
  t.host.join("r1", "pb", "bob", new FakeConn());
  expect(t.host.admit("r1", "pc")).toMatchObject({ status: 409, reason: "room is full" });
});

test("a room open already (open_room) is not opened again", () => {
  t.host.openRoom("r1", 3, 30_000);
  expect(t.host.openOnToken("r1", claims())).toBeUndefined();
  expect(t.events).toEqual(["opened r1"]);
});

test("no token opens a room after its open window, nor one a token opened that has ended", () => {
  t.now = 10_000;
  expect(t.host.openOnToken("r1", claims())).toMatchObject({ status: 404 });
  t.now = 0;
  t.host.openOnToken("r2", claims());
  const a = new FakeConn();
  t.host.join("r2", "pa", "ann", a);
  t.host.leave("r2", "pa", a, true);
  expect(t.events).toContain("closed r2 EMPTY");
  t.now = 9_999;
  expect(t.host.openOnToken("r2", claims())).toMatchObject({ status: 404 });
  expect(t.events.filter((e) => e.startsWith("opened"))).toEqual(["opened r2 on token"]);
});

test("a room opened on a token whose player never comes closes at the end of its open window", () => {
  t.now = 4_000;
  t.host.openOnToken("r1", claims());
  jest.advanceTimersByTime(5_999);
  expect(t.host.stats.rooms).toBe(1);
  jest.advanceTimersByTime(1);
  expect(t.events).toEqual(["opened r1 on token", "closed r1 NEVER_JOINED"]);
});

test("a server that cannot keep the room hands it over at once, so it moves; the player is sent after it", () => {
  t.host.openOnToken("r1", claims());
  t.host.openOnToken("r2", claims());
  expect(t.host.openOnToken("r3", claims())).toMatchObject({ status: 503, reason: "server has no free room slot" });
  void t.host.drain("finish", 30_000);
  expect(t.host.openOnToken("r4", claims())).toMatchObject({ status: 503, reason: "server is draining" });
  expect(t.events).toEqual([
    "opened r1 on token",
    "opened r2 on token",
    "opened r3 on token",
    "closed r3 MIGRATING",
    "closed r1 MIGRATING",
    "closed r2 MIGRATING",
    "opened r4 on token",
    "closed r4 MIGRATING",
  ]);
  expect(t.snapshots.filter((s) => s.final).map((s) => s.roomId)).toEqual(["r3", "r1", "r2", "r4"]);
});

test("the token's room type and metadata reach a logic room's onCreate; an unknown type is refused", () => {
  const seen: Record<string, string>[] = [];
  const counter = defineRoom({
    type: "counter",
    onCreate: (_ctx, created) => {
      seen.push({ ...created.metadata });
    },
  });
  t.host = t.makeHost({}, [counter]);
  expect(t.host.openOnToken("r1", claims({ roomType: "counter", metadata: { map: "dust" } }))).toBeUndefined();
  expect(seen).toEqual([{ map: "dust" }]);
  const a = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  expect(a.welcome()).toMatchObject({ roomType: "counter" });
  expect(t.host.openOnToken("r2", claims({ roomType: "chess" }))).toMatchObject({ status: 409 });
});

test("a recount tells a room's seats again (its first join was recorded in the store, then refused), and nothing for a room not here", () => {
  t.host.openOnToken("r1", claims());
  t.host.recount("r1");
  t.host.recount("r9");
  expect(t.events).toEqual(["opened r1 on token", "players r1 0"]);
});
