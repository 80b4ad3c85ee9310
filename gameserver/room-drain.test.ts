// Draining a game server: migrate its rooms at once, or let them finish first.
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import { FakeConn, frame, setState, stateOf, RoomHostFixture } from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

describe("drain", () => {
  test("migrate: every room closes as MIGRATING with its final snapshot, players with 4002; nothing new is taken", async () => {
    t.host.openRoom("r1", 3, 30_000);
    t.host.openRoom("r2", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "ann", a);
    t.host.join("r1", "pb", "bob", b);
    t.host.frame("r1", "pa", setState("pos/a", "1", true), true);
    await t.host.drain("migrate", 30_000);
    for (const c of [a, b]) {
      expect(c.closed).toEqual({
        code: CLOSE.moved,
        reason: "room is moving to another server; rejoin through the Gateway",
      });
      expect(c.errors()).toEqual([]);
    }
    expect(t.events.filter((e) => e.startsWith("closed"))).toEqual(["closed r1 MIGRATING", "closed r2 MIGRATING"]);
    const final = t.snapshots.filter((s) => s.final);
    expect(final.map((s) => s.roomId)).toEqual(["r1", "r2"]);
    expect(final[0]!.snap.players.map((p) => p.id)).toEqual(["pa", "pb"]);
    // The owner leaving with the room is not leaving the room: its keys travel with it.
    expect(stateOf(final[0]!.snap.state)).toEqual({ "pos/a": "1@pa" });
    expect(t.host.stats).toEqual({ rooms: 0, players: 0 });
    expect(t.host.admit("r1", "pc")).toMatchObject({ status: 503 });
    expect(t.host.openRoom("r9", 1, 1000)).toMatchObject({ status: 503 });
  });

  test("finish: rooms with players play on (no newcomers) until they empty; empty rooms are migrated at once", async () => {
    t.host.openRoom("r1", 3, 30_000);
    t.host.openRoom("r2", 3, 30_000); // nobody in it yet
    const [a, b] = [new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "", a);
    t.host.join("r1", "pb", "", b);
    let done = false;
    const drained = t.host.drain("finish", 30_000).then(() => (done = true));
    expect(t.events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 MIGRATING"]);
    expect(t.host.admit("r1", "pc")).toMatchObject({ status: 503 });
    expect(t.host.admit("r1", "pa")).toBeUndefined(); // its own seat, from a new connection
    t.host.frame("r1", "pa", frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1]) } } }), true);
    t.host.frame("r1", "pa", setState("k", "v"), true);
    expect(b.cases()).toEqual(["welcome", "message", "stateChanged"]);
    t.host.leave("r1", "pa", a);
    await Promise.resolve();
    expect(done).toBe(false);
    t.host.leave("r1", "pb", b);
    await drained;
    expect(t.events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 MIGRATING", "closed r1 EMPTY"]);
  });

  test("finish: at the deadline the rooms still running are migrated", async () => {
    t.host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    t.host.join("r1", "pa", "", a);
    const drained = t.host.drain("finish", 5000);
    jest.advanceTimersByTime(4999);
    expect(a.closed).toBeUndefined();
    jest.advanceTimersByTime(1);
    await drained;
    expect(a.closed?.code).toBe(CLOSE.moved);
    expect(t.events.at(-1)).toBe("closed r1 MIGRATING");
    expect(t.snapshots.filter((s) => s.final)).toHaveLength(1);
  });

  test("finish: a room that empties while players may still come back (reconnect grace) is migrated, not kept waiting", async () => {
    t.host = t.makeHost({ reconnectGraceMs: 20_000 });
    t.host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    t.host.join("r1", "pa", "", a);
    const drained = t.host.drain("finish", 30_000);
    t.host.leave("r1", "pa", a);
    await drained;
    expect(t.events.at(-1)).toBe("closed r1 MIGRATING");
  });
});
