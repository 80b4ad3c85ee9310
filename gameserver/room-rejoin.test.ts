// Who may come back as themselves (a rejoin ticket): players in the room, players a moved room
// awaits, and players whose connection dropped, within REJOIN_GRACE_MS; never one that left.
import { FakeConn, RoomHostFixture, snapshotBytes } from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

function roomOfTwo() {
  t.host.openRoom("r1", 4, 30_000);
  const a = new FakeConn();
  const b = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.join("r1", "pb", "bob", b);
  return { a, b };
}

test("a player that left (close 1000) is not taken back; a newcomer's ticket still works", () => {
  const { a } = roomOfTwo();
  t.host.leave("r1", "pa", a, true);
  expect(t.host.admit("r1", "pa", true)).toMatchObject({
    status: 403,
    reason: expect.stringMatching(/not expected back/),
  });
  const again = new FakeConn();
  expect(t.host.join("r1", "pa", "ann", again, { rejoin: true })).toBe(false);
  expect(again.closed?.code).toBe(1008);
  expect(t.host.admit("r1", "pc", false)).toBeUndefined();
});

test("a dropped player may rejoin within REJOIN_GRACE_MS, not after", () => {
  const { a } = roomOfTwo();
  t.now = 1_000;
  t.host.leave("r1", "pa", a); // dropped: no leave
  t.now = 1_000 + 59_999;
  expect(t.host.admit("r1", "pa", true)).toBeUndefined();
  t.now = 1_000 + 60_000;
  expect(t.host.admit("r1", "pa", true)).toMatchObject({ status: 403 });
});

test("a rejoin in time takes its seat back, and the grace is spent with it", () => {
  const { a, b } = roomOfTwo();
  t.host.leave("r1", "pa", a);
  const back = new FakeConn();
  expect(t.host.join("r1", "pa", "ann", back, { rejoin: true })).toBe(true);
  expect(back.welcome().playerId).toBe("pa");
  expect(b.cases().filter((c) => c === "playerJoined")).toHaveLength(1);
  // Leaving now is for good.
  t.host.leave("r1", "pa", back, true);
  expect(t.host.admit("r1", "pa", true)).toMatchObject({ status: 403 });
});

test("a player still in the room may rejoin (its old connection is replaced), as may one a moved room awaits", () => {
  const { a } = roomOfTwo();
  expect(t.host.admit("r1", "pa", true)).toBeUndefined();
  t.host.join("r1", "pa", "ann", new FakeConn(), { rejoin: true });
  expect(a.closed?.code).toBe(4001);
  t.host.openRoom("r2", 4, 30_000, { snapshot: snapshotBytes({ players: [{ id: "px", name: "x" }], maxPlayers: 4 }) });
  expect(t.host.admit("r2", "px", true)).toBeUndefined();
});

test("a player admitted whose connection ended before it was seated is expected back, within the grace", () => {
  roomOfTwo();
  t.now = 1_000;
  expect(t.host.admit("r1", "pz", true)).toMatchObject({ status: 403 });
  t.host.expectBack("r1", "pz"); // its token could not be spent in the store (1013), say
  expect(t.host.admit("r1", "pz", true)).toBeUndefined();
  t.now = 1_000 + 60_000;
  expect(t.host.admit("r1", "pz", true)).toMatchObject({ status: 403 });
});

test("a moved room takes back, for its migration grace, a player its snapshot predates; not after", () => {
  // py joined on the old server after its last snapshot, which then died: its ticket is as good as px's.
  t.now = 1_000;
  t.host.openRoom("r2", 4, 30_000, { snapshot: snapshotBytes({ players: [{ id: "px", name: "x" }], maxPlayers: 4 }) });
  expect(t.host.admit("r2", "py", true)).toBeUndefined();
  t.now = 1_000 + 15_000; // the fixture's MIGRATION_GRACE_MS
  expect(t.host.admit("r2", "py", true)).toMatchObject({ status: 403 });
});

test("with no grace, only players in the room or awaited come back", () => {
  t.host = t.makeHost({ rejoinGraceMs: 0 });
  const { a } = roomOfTwo();
  t.host.leave("r1", "pa", a);
  expect(t.host.admit("r1", "pa", true)).toMatchObject({ status: 403 });
});

test("the verified claims a token carried stay on the player for room logic", () => {
  t.host.openRoom("r1", 4, 30_000);
  t.host.join("r1", "pa", "ann", new FakeConn(), { claims: { sub: "pa", roles: ["mod"] } });
  expect(t.host.player("r1", "pa")).toEqual({ id: "pa", name: "ann", claims: { sub: "pa", roles: ["mod"] } });
  expect(t.host.player("r1", "nobody")).toBeUndefined();
});
