// A room's shared state: set and delete, its limits, and keys owned by a player.
import { ErrorCode } from "../gen/roomgate/v1/room_pb.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import {
  FakeConn,
  LIMITS,
  enc,
  setState,
  stateOf,
  snapshotBytes,
  RoomHostFixture,
} from "../testkit/room-host-fixture.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

describe("shared state", () => {
  test("set_state reaches everyone else, newcomers get it in their welcome, an empty value deletes", () => {
    t.host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "ann", a);
    t.host.join("r1", "pb", "bob", b);
    t.host.frame("r1", "pa", setState("score", "10"), true);
    t.host.frame("r1", "pb", setState("pos/b", "xy", true), true);
    expect(b.changes()).toEqual([["score", "10", "pa"]]);
    expect(a.changes()).toEqual([["pos/b", "xy", "pb"]]);

    const c = new FakeConn();
    t.host.join("r1", "pc", "cy", c);
    expect(stateOf(c.welcome().state)).toEqual({ score: "10", "pos/b": "xy@pb" });
    expect(c.welcome().restored).toBe(false);

    t.host.frame("r1", "pc", setState("score", ""), true);
    t.host.frame("r1", "pc", setState("nothing", ""), true); // deleting what is not there: no frame at all
    expect(a.changes().at(-1)).toEqual(["score", "", "pc"]);
    expect(b.changes().at(-1)).toEqual(["score", "", "pc"]);
    expect(c.changes()).toEqual([]);
    const d = new FakeConn();
    t.host.leave("r1", "pa", a);
    t.host.join("r1", "pd", "di", d);
    expect(stateOf(d.welcome().state)).toEqual({ "pos/b": "xy@pb" });
  });

  test("over a limit (keys, bytes, key length) the sender gets STATE_LIMIT, nothing changes and nobody is closed", () => {
    t.host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "", a);
    t.host.join("r1", "pb", "", b);
    // Limits: 3 keys, 20 bytes (keys + values), keys of 5 characters.
    t.host.frame("r1", "pa", setState("k1", "aaaa"), true); // 6 bytes
    t.host.frame("r1", "pa", setState("k2", "bbbb"), true); // 12
    t.now += 1000; // one error frame a second at most: keep them apart
    t.host.frame("r1", "pa", setState("k3", "cccccccc"), true); // 22: too many bytes
    expect(a.errors()).toEqual([ErrorCode.STATE_LIMIT]);
    t.host.frame("r1", "pa", setState("k3", "cc"), true); // 16
    t.now += 1000;
    t.host.frame("r1", "pa", setState("k4", "d"), true); // a fourth key
    expect(a.errors()).toEqual([ErrorCode.STATE_LIMIT, ErrorCode.STATE_LIMIT]);
    t.now += 1000;
    t.host.frame("r1", "pa", setState("sixsix", "e"), true);
    t.now += 1000;
    t.host.frame("r1", "pa", setState("", "e"), true);
    expect(a.errors()).toHaveLength(4);
    // Five characters is fine even where UTF-16 needs more units; replacing a key frees its old bytes.
    t.host.frame("r1", "pa", setState("k1", "a"), true); // 13
    t.host.frame("r1", "pa", setState("k3", ""), true); // 9, two keys
    t.now += 1000;
    t.host.frame("r1", "pa", setState("🎲🎲🎲🎲🎲", "x"), true); // 21 bytes of key: too many bytes, not too many characters
    expect((a.frames.at(-1)!.frame.value as { message: string }).message).toMatch(/bytes/);
    t.host.frame("r1", "pa", setState("🎲", "x"), true); // 14
    expect(b.changes().map(([k, v]) => `${k}=${v}`)).toEqual(["k1=aaaa", "k2=bbbb", "k3=cc", "k1=a", "k3=", "🎲=x"]);
    expect(a.closed).toBeUndefined();
    const c = new FakeConn();
    t.host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ k1: "a", k2: "bbbb", "🎲": "x" });
  });

  test("owned keys go when their owner leaves, announced with an empty sender; others' and unowned keys stay", () => {
    t.host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "", a);
    t.host.join("r1", "pb", "", b);
    t.host.frame("r1", "pa", setState("pos/a", "1", true), true);
    t.host.frame("r1", "pa", setState("flag", "2"), true);
    t.host.frame("r1", "pb", setState("pos/b", "3", true), true);
    t.host.leave("r1", "pa", a);
    expect(b.cases().slice(-2)).toEqual(["playerLeft", "stateChanged"]);
    expect(b.changes().at(-1)).toEqual(["pos/a", "", ""]);
    const c = new FakeConn();
    t.host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ flag: "2", "pos/b": "3@pb" });
  });

  test("an owned key is its owner's: others get NOT_OWNER for a change or a delete, and nothing changes", () => {
    t.host.openRoom("r1", 3, 30_000);
    const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "", a);
    t.host.join("r1", "pb", "", b);
    t.host.join("r1", "pc", "", c);
    t.host.frame("r1", "pa", setState("pos/a", "1", true), true);
    t.host.frame("r1", "pb", setState("pos/a", "666"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    expect((b.frames.at(-1)!.frame.value as { message: string }).message).toBe("state key pos/a is owned by player pa");
    t.now += 1000; // one error frame a second at most
    t.host.frame("r1", "pb", setState("pos/a", "666", true), true); // claiming it is a change too
    t.now += 1000;
    t.host.frame("r1", "pb", setState("pos/a", ""), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER, ErrorCode.NOT_OWNER, ErrorCode.NOT_OWNER]);
    expect(b.closed).toBeUndefined();
    expect(c.changes()).toEqual([["pos/a", "1", "pa"]]);
    // The owner may change it, give it up (owned false), and then anyone may.
    t.host.frame("r1", "pa", setState("pos/a", "2", true), true);
    t.host.frame("r1", "pa", setState("pos/a", "3"), true);
    t.host.frame("r1", "pb", setState("pos/a", "4", true), true);
    expect(c.changes().map(([k, v, from]) => `${k}=${v}<-${from}`)).toEqual([
      "pos/a=1<-pa",
      "pos/a=2<-pa",
      "pos/a=3<-pa",
      "pos/a=4<-pb",
    ]);
    expect(a.errors()).toEqual([]);
    t.host.leave("r1", "pc", c);
    const d = new FakeConn();
    t.host.join("r1", "pd", "", d);
    expect(stateOf(d.welcome().state)).toEqual({ "pos/a": "4@pb" });
  });

  test("keys of players a restored room still waits for stay theirs until the grace ends", () => {
    t.host.openRoom("r1", 3, 30_000, {
      snapshot: snapshotBytes({
        maxPlayers: 3,
        players: [{ id: "pa" }],
        state: [{ key: "pos/a", value: enc("1"), ownerPlayerId: "pa" }],
      }),
    });
    const b = new FakeConn();
    t.host.join("r1", "pb", "", b);
    t.host.frame("r1", "pb", setState("pos/a", "2"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    jest.advanceTimersByTime(LIMITS.migrationGraceMs);
    expect(b.changes()).toEqual([["pos/a", "", ""]]); // pa did not come back: the server deleted it
    t.now += 1000;
    t.host.frame("r1", "pb", setState("pos/a", "2"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    const c = new FakeConn();
    t.host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ "pos/a": "2" });
  });

  test("a seat taken over by a new connection is not a leave: owned keys stay", () => {
    t.host.openRoom("r1", 3, 30_000);
    const [a, b, a2] = [new FakeConn(), new FakeConn(), new FakeConn()];
    t.host.join("r1", "pa", "", a);
    t.host.join("r1", "pb", "", b);
    t.host.frame("r1", "pa", setState("pos/a", "1", true), true);
    t.host.join("r1", "pa", "", a2);
    expect(a.closed?.code).toBe(CLOSE.replaced);
    expect(stateOf(a2.welcome().state)).toEqual({ "pos/a": "1@pa" });
    expect(b.changes()).toEqual([["pos/a", "1", "pa"]]); // the set, and no deletion after it
  });
});
