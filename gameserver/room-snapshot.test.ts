// Snapshots of changed rooms, and rooms restored from a snapshot on another server.
import { FakeConn, enc, setState, stateOf, snapshotBytes, RoomHostFixture } from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

describe("snapshots", () => {
  test("only rooms that changed since their last snapshot send one; state and players are in it", () => {
    t.host.openRoom("r1", 3, 30_000);
    t.host.openRoom("r2", 4, 30_000);
    t.host.takeSnapshots();
    expect(t.snapshots).toEqual([]); // nothing happened in either room yet
    const a = new FakeConn();
    t.host.join("r1", "pa", "ann", a);
    t.now = 1234;
    t.host.takeSnapshots();
    expect(t.snapshots.map((s) => s.roomId)).toEqual(["r1"]);
    expect(t.snapshots[0]!.snap).toMatchObject({
      players: [{ id: "pa", name: "ann" }],
      maxPlayers: 3,
      takenAtMs: 1234n,
      state: [],
    });
    t.host.takeSnapshots();
    expect(t.snapshots).toHaveLength(1); // not dirty any more

    t.host.frame("r1", "pa", setState("pos/a", "1", true), true);
    t.host.takeSnapshots();
    expect(stateOf(t.snapshots[1]!.snap.state)).toEqual({ "pos/a": "1@pa" });
    const b = new FakeConn();
    t.host.join("r2", "pb", "bob", b);
    t.host.leave("r2", "pb", b); // r2 closes: no snapshot for a room that is gone
    t.host.takeSnapshots();
    expect(t.snapshots).toHaveLength(2);
    t.host.markAllDirty();
    t.host.takeSnapshots();
    expect(t.snapshots.map((s) => s.roomId)).toEqual(["r1", "r1", "r1"]);
  });

  test("a snapshot over SNAPSHOT_MAX_BYTES is not sent, and logged once for the room", () => {
    t.host = t.makeHost({ stateMaxBytes: 1000, snapshotMaxBytes: 60 });
    t.host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    t.host.join("r1", "pa", "ann", a);
    t.host.frame("r1", "pa", setState("big", "x".repeat(40)), true);
    t.host.takeSnapshots();
    t.host.frame("r1", "pa", setState("big", "y".repeat(40)), true);
    t.host.takeSnapshots();
    expect(t.snapshots).toEqual([]);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/snapshot too large.*"roomId":"r1"/);
    t.host.frame("r1", "pa", setState("big", "small"), true);
    t.host.takeSnapshots();
    expect(stateOf(t.snapshots[0]!.snap.state)).toEqual({ big: "small" });
  });
});

describe("restore", () => {
  const snapshot = snapshotBytes({
    state: [
      { key: "pos/pa", value: enc("A"), ownerPlayerId: "pa" },
      { key: "pos/pb", value: enc("B"), ownerPlayerId: "pb" },
      { key: "score", value: enc("7") },
    ],
    players: [
      { id: "pa", name: "ann" },
      { id: "pb", name: "bob" },
    ],
    maxPlayers: 3,
    takenAtMs: 5n,
  });

  test("the room starts from its snapshot; its players keep their seats and get restored welcomes", () => {
    expect(t.host.openRoom("r1", 9, 1000, { snapshot })).toBeUndefined();
    expect(t.events).toEqual(["opened r1"]);
    // No first-join timeout for a room that moved.
    jest.advanceTimersByTime(10_000);
    expect(t.host.stats.rooms).toBe(1);

    // max_players comes from the snapshot (3): with two seats kept, one newcomer fits.
    const c = new FakeConn();
    t.host.join("r1", "pc", "cy", c);
    expect(c.welcome()).toMatchObject({ restored: true, maxPlayers: 3, players: [{ id: "pc" }] });
    expect(stateOf(c.welcome().state)).toEqual({ "pos/pa": "A@pa", "pos/pb": "B@pb", score: "7" });
    expect(t.host.admit("r1", "pd")).toMatchObject({ status: 409 });
    expect(t.host.admit("r1", "pa")).toBeUndefined();

    const a = new FakeConn();
    t.host.join("r1", "pa", "ann", a);
    expect(a.welcome()).toMatchObject({ restored: true, playerId: "pa" });
    expect(c.cases()).toContain("playerJoined");
  });

  test("when the grace ends, owned keys of players who did not come back go; the room stays while someone is in it", () => {
    t.host.openRoom("r1", 3, 1000, { snapshot });
    const a = new FakeConn();
    t.host.join("r1", "pa", "ann", a);
    jest.advanceTimersByTime(14_999);
    expect(a.changes()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(a.changes()).toEqual([["pos/pb", "", ""]]);
    expect(t.host.stats.rooms).toBe(1);
    // The seat bob kept is free again.
    t.host.join("r1", "pc", "cy", new FakeConn());
    expect(t.host.admit("r1", "pd")).toBeUndefined();
    t.host.takeSnapshots();
    expect(t.snapshots.at(-1)!.snap.players.map((p) => p.id)).toEqual(["pa", "pc"]);
  });

  test("a restored room nobody returns to closes as empty when the grace ends; one everyone left waits for the grace", () => {
    t.host.openRoom("r1", 3, 1000, { snapshot });
    t.host.openRoom("r2", 3, 1000, { snapshot });
    const a = new FakeConn();
    t.host.join("r2", "pa", "ann", a);
    t.host.leave("r2", "pa", a); // bob is still awaited: the room waits
    expect(t.host.stats.rooms).toBe(2);
    jest.advanceTimersByTime(15_000);
    expect(t.events.filter((e) => e.startsWith("closed"))).toEqual(["closed r1 EMPTY", "closed r2 EMPTY"]);
  });

  test("a snapshot of a restored room keeps the seats of players still awaited; opening it again is a no-op that reports opened", () => {
    t.host.openRoom("r1", 3, 1000, { snapshot });
    t.host.join("r1", "pa", "ann", new FakeConn());
    t.host.takeSnapshots();
    expect(t.snapshots.at(-1)!.snap.players).toEqual([
      expect.objectContaining({ id: "pa" }),
      expect.objectContaining({ id: "pb", name: "bob" }),
    ]);
    expect(t.host.openRoom("r1", 3, 1000, { snapshot: new Uint8Array() })).toBeUndefined();
    expect(t.events.filter((e) => e.startsWith("opened"))).toEqual(["opened r1", "opened r1"]);
    expect(t.host.stats).toEqual({ rooms: 1, players: 1 });
  });

  test("an empty or unreadable snapshot restores an empty room that waits the grace for anyone", () => {
    t.host.openRoom("r1", 2, 1000, { snapshot: new Uint8Array() });
    t.host.openRoom("r2", 2, 1000, { snapshot: new Uint8Array([0xff, 0xff]) });
    expect(t.warnings.join("\n")).toMatch(/unreadable/);
    const a = new FakeConn();
    t.host.join("r1", "px", "", a);
    expect(a.welcome()).toMatchObject({ restored: true, state: [], maxPlayers: 2 });
    jest.advanceTimersByTime(15_000);
    expect(t.events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 EMPTY"]);
  });
});
