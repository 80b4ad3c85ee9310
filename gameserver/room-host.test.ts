import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import {
  ClientFrameSchema,
  ErrorCode,
  type RoomSnapshot,
  RoomSnapshotSchema,
  type ServerFrame,
  ServerFrameSchema,
  type StateChanged,
  type Welcome,
} from "../gen/roomgate/v1/room_pb.js";
import { createLogger } from "../common/log";
import { CLOSE } from "../protocol/close-codes";
import { type Connection, RoomHost } from "./room-host";

class FakeConn implements Connection {
  frames: ServerFrame[] = [];
  closed?: { code: number; reason: string };
  send(bytes: Uint8Array) {
    this.frames.push(fromBinary(ServerFrameSchema, bytes));
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason };
  }
  cases() {
    return this.frames.map((f) => f.frame.case);
  }
  welcome(): Welcome {
    const w = this.frames.find((f) => f.frame.case === "welcome");
    if (!w) throw new Error("no welcome");
    return w.frame.value as Welcome;
  }
  /** Every StateChanged received, as [key, value as text ("" when deleted), from]. */
  changes(): [string, string, string][] {
    return this.frames
      .filter((f) => f.frame.case === "stateChanged")
      .map((f) => f.frame.value as StateChanged)
      .map((c) => [c.entry!.key, new TextDecoder().decode(c.entry!.value), c.fromPlayerId]);
  }
  errors() {
    return this.frames.filter((f) => f.frame.case === "error").map((f) => (f.frame.value as { code: ErrorCode }).code);
  }
}

const frame = (f: Parameters<typeof create<typeof ClientFrameSchema>>[1]) =>
  toBinary(ClientFrameSchema, create(ClientFrameSchema, f));
const LIMITS = {
  maxFrameBytes: 64,
  maxMessagesPerSecond: 3,
  maxBytesPerSecond: 0,
  maxRooms: 2,
  maxPlayers: 3,
  reconnectGraceMs: 0,
  stateMaxKeys: 3,
  stateMaxBytes: 20,
  stateMaxKeyChars: 5,
  snapshotMaxBytes: 200,
  migrationGraceMs: 15_000,
};

let events: string[];
/** Snapshots and final (MIGRATING) snapshots by room, in order. */
let snapshots: { roomId: string; snap: RoomSnapshot; final: boolean }[];
let warnings: string[];
let now: number;
let host: RoomHost;

function makeHost(limits: Partial<typeof LIMITS> = {}) {
  const host = new RoomHost(
    "gs-1",
    { ...LIMITS, ...limits },
    createLogger("test", (line) => {
      if (/ warn /.test(line)) warnings.push(line);
    }),
    () => now,
  );
  host.subscribe({
    opened: (id) => events.push(`opened ${id}`),
    players: (id, n) => events.push(`players ${id} ${n}`),
    closed: (id, r, bytes) => {
      events.push(`closed ${id} ${RoomCloseReason[r]}`);
      if (bytes) snapshots.push({ roomId: id, snap: fromBinary(RoomSnapshotSchema, bytes), final: true });
    },
    snapshot: (id, bytes) => snapshots.push({ roomId: id, snap: fromBinary(RoomSnapshotSchema, bytes), final: false }),
  });
  return host;
}

beforeEach(() => {
  jest.useFakeTimers();
  events = [];
  snapshots = [];
  warnings = [];
  now = 0;
  host = makeHost();
});

afterEach(() => jest.useRealTimers());

test("welcome first, joins and leaves announced, empty room closed at once", () => {
  host.openRoom("r1", 2, 30_000);
  const a = new FakeConn();
  const b = new FakeConn();
  host.join("r1", "pa", "ann", a);
  host.join("r1", "pb", "bob", b);
  expect(a.cases()).toEqual(["welcome", "playerJoined"]);
  expect(b.cases()).toEqual(["welcome"]);
  expect(b.frames[0]!.frame.value).toMatchObject({
    roomId: "r1",
    playerId: "pb",
    serverId: "gs-1",
    players: [{ id: "pa" }, { id: "pb" }],
  });
  host.leave("r1", "pb", b);
  expect(a.cases()).toContain("playerLeft");
  host.leave("r1", "pa", a);
  expect(events).toEqual([
    "opened r1",
    "players r1 1",
    "players r1 2",
    "players r1 1",
    "players r1 0",
    "closed r1 EMPTY",
  ]);
  expect(host.stats).toEqual({ rooms: 0, players: 0 });
});

test("room events reach every subscriber, in order", () => {
  const heard: string[] = [];
  host.subscribe({
    opened: (id) => heard.push(`opened ${id}`),
    players: (id, n, joined) => heard.push(`players ${id} ${n} ${joined ?? "-"}`),
    closed: (id, r) => heard.push(`closed ${id} ${RoomCloseReason[r]}`),
    snapshot: (id) => heard.push(`snapshot ${id}`),
  });
  host.openRoom("r1", 2, 30_000);
  const a = new FakeConn();
  host.join("r1", "pa", "ann", a);
  host.takeSnapshots();
  host.leave("r1", "pa", a);
  expect(heard).toEqual(["opened r1", "players r1 1 pa", "snapshot r1", "players r1 0 -", "closed r1 EMPTY"]);
  expect(events).toEqual(["opened r1", "players r1 1", "players r1 0", "closed r1 EMPTY"]);
});

test("full rooms, unknown rooms and a full server are refused before the upgrade", () => {
  host.openRoom("r1", 1, 30_000);
  host.openRoom("r2", 5, 30_000);
  expect(host.openRoom("r3", 1, 30_000)).toMatchObject({ status: 503 });
  host.join("r1", "pa", "", new FakeConn());
  expect(host.admit("r1", "pb")).toMatchObject({ status: 409 });
  expect(host.admit("nope", "pb")).toMatchObject({ status: 404 });
  host.join("r2", "p1", "", new FakeConn());
  host.join("r2", "p2", "", new FakeConn());
  expect(host.admit("r2", "p3")).toMatchObject({ status: 503, reason: "server is full" });
});

test("a room nobody joins closes when the first token would have expired", () => {
  host.openRoom("r1", 2, 30_000);
  jest.advanceTimersByTime(29_999);
  expect(host.stats.rooms).toBe(1);
  jest.advanceTimersByTime(1);
  expect(events).toContain("closed r1 NEVER_JOINED");
});

test("broadcast reaches everyone else with the sender's id; ping gets pong", () => {
  host.openRoom("r1", 3, 30_000);
  const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
  host.join("r1", "pa", "", a);
  host.join("r1", "pb", "", b);
  host.join("r1", "pc", "", c);
  host.frame("r1", "pa", frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1, 2, 3]) } } }), true);
  for (const conn of [b, c]) {
    const m = conn.frames.at(-1)!;
    expect(m.frame.case).toBe("message");
    expect(m.frame.value).toMatchObject({ fromPlayerId: "pa", payload: new Uint8Array([1, 2, 3]) });
  }
  expect(a.cases()).not.toContain("message");
  host.frame("r1", "pb", frame({ frame: { case: "ping", value: { nonce: 7 } } }), true);
  expect(b.frames.at(-1)!.frame).toMatchObject({ case: "pong", value: { nonce: 7 } });
});

test("bad frames cost the sender an error and a close, never the room", () => {
  host.openRoom("r1", 3, 30_000);
  const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
  host.join("r1", "pa", "", a);
  host.join("r1", "pb", "", b);
  host.join("r1", "pc", "", c);
  host.frame("r1", "pa", new Uint8Array([0xff, 0xff, 0xff]), true);
  expect(a.frames.at(-1)!.frame).toMatchObject({ case: "error", value: { code: ErrorCode.MALFORMED_FRAME } });
  expect(a.closed?.code).toBe(CLOSE.policyViolation);
  host.frame("r1", "pb", new Uint8Array(65), true);
  expect(b.frames.at(-1)!.frame).toMatchObject({ case: "error", value: { code: ErrorCode.FRAME_TOO_LARGE } });
  expect(b.closed?.code).toBe(CLOSE.tooBig);
  host.frame("r1", "pc", new TextEncoder().encode("hello"), false);
  expect(c.closed?.code).toBe(CLOSE.policyViolation);
  expect(host.stats.rooms).toBe(1);
});

test("a client over its message rate has frames dropped with one error", () => {
  host.openRoom("r1", 3, 30_000);
  const [a, b] = [new FakeConn(), new FakeConn()];
  host.join("r1", "pa", "", a);
  host.join("r1", "pb", "", b);
  const msg = frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1]) } } });
  for (let i = 0; i < 10; i++) host.frame("r1", "pa", msg, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(3);
  expect(a.frames.filter((f) => f.frame.case === "error")).toHaveLength(1);
  expect(a.closed).toBeUndefined();
  now += 1000;
  host.frame("r1", "pa", msg, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(4);
});

test("a client over its byte budget has frames dropped with RATE_LIMITED; the budget refills with time", () => {
  host = makeHost({ maxFrameBytes: 1000, maxMessagesPerSecond: 1000, maxBytesPerSecond: 1000 });
  host.openRoom("r1", 3, 30_000);
  const [a, b] = [new FakeConn(), new FakeConn()];
  host.join("r1", "pa", "", a);
  host.join("r1", "pb", "", b);
  const big = frame({ frame: { case: "broadcast", value: { payload: new Uint8Array(400) } } }); // 403 bytes
  for (let i = 0; i < 10; i++) host.frame("r1", "pa", big, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(2); // 806 of 1000 bytes
  expect(a.errors()).toEqual([ErrorCode.RATE_LIMITED]);
  expect((a.frames.at(-1)!.frame.value as { message: string }).message).toBe(
    "more than 1000 bytes per second; frame dropped",
  );
  expect(a.closed).toBeUndefined();
  // Small frames still fit in what is left; half a second refills half the budget.
  host.frame("r1", "pa", frame({ frame: { case: "ping", value: { nonce: 7 } } }), true);
  expect(a.cases().at(-1)).toBe("pong");
  now += 500;
  host.frame("r1", "pa", big, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(3);
});

const enc = (s: string) => new TextEncoder().encode(s);
const setState = (key: string, value: string, owned = false) =>
  frame({ frame: { case: "setState", value: { key, value: enc(value), owned } } });
const stateOf = (entries: { key: string; value: Uint8Array; ownerPlayerId: string }[]) =>
  Object.fromEntries(
    entries.map((e) => [e.key, `${new TextDecoder().decode(e.value)}${e.ownerPlayerId ? `@${e.ownerPlayerId}` : ""}`]),
  );
const snapshotBytes = (s: Parameters<typeof create<typeof RoomSnapshotSchema>>[1]) =>
  toBinary(RoomSnapshotSchema, create(RoomSnapshotSchema, s));

describe("shared state", () => {
  test("set_state reaches everyone else, newcomers get it in their welcome, an empty value deletes", () => {
    host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "ann", a);
    host.join("r1", "pb", "bob", b);
    host.frame("r1", "pa", setState("score", "10"), true);
    host.frame("r1", "pb", setState("pos/b", "xy", true), true);
    expect(b.changes()).toEqual([["score", "10", "pa"]]);
    expect(a.changes()).toEqual([["pos/b", "xy", "pb"]]);

    const c = new FakeConn();
    host.join("r1", "pc", "cy", c);
    expect(stateOf(c.welcome().state)).toEqual({ score: "10", "pos/b": "xy@pb" });
    expect(c.welcome().restored).toBe(false);

    host.frame("r1", "pc", setState("score", ""), true);
    host.frame("r1", "pc", setState("nothing", ""), true); // deleting what is not there: no frame at all
    expect(a.changes().at(-1)).toEqual(["score", "", "pc"]);
    expect(b.changes().at(-1)).toEqual(["score", "", "pc"]);
    expect(c.changes()).toEqual([]);
    const d = new FakeConn();
    host.leave("r1", "pa", a);
    host.join("r1", "pd", "di", d);
    expect(stateOf(d.welcome().state)).toEqual({ "pos/b": "xy@pb" });
  });

  test("over a limit (keys, bytes, key length) the sender gets STATE_LIMIT, nothing changes and nobody is closed", () => {
    host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "", a);
    host.join("r1", "pb", "", b);
    // Limits: 3 keys, 20 bytes (keys + values), keys of 5 characters.
    host.frame("r1", "pa", setState("k1", "aaaa"), true); // 6 bytes
    host.frame("r1", "pa", setState("k2", "bbbb"), true); // 12
    now += 1000; // one error frame a second at most: keep them apart
    host.frame("r1", "pa", setState("k3", "cccccccc"), true); // 22: too many bytes
    expect(a.errors()).toEqual([ErrorCode.STATE_LIMIT]);
    host.frame("r1", "pa", setState("k3", "cc"), true); // 16
    now += 1000;
    host.frame("r1", "pa", setState("k4", "d"), true); // a fourth key
    expect(a.errors()).toEqual([ErrorCode.STATE_LIMIT, ErrorCode.STATE_LIMIT]);
    now += 1000;
    host.frame("r1", "pa", setState("sixsix", "e"), true);
    now += 1000;
    host.frame("r1", "pa", setState("", "e"), true);
    expect(a.errors()).toHaveLength(4);
    // Five characters is fine even where UTF-16 needs more units; replacing a key frees its old bytes.
    host.frame("r1", "pa", setState("k1", "a"), true); // 13
    host.frame("r1", "pa", setState("k3", ""), true); // 9, two keys
    now += 1000;
    host.frame("r1", "pa", setState("🎲🎲🎲🎲🎲", "x"), true); // 21 bytes of key: too many bytes, not too many characters
    expect((a.frames.at(-1)!.frame.value as { message: string }).message).toMatch(/bytes/);
    host.frame("r1", "pa", setState("🎲", "x"), true); // 14
    expect(b.changes().map(([k, v]) => `${k}=${v}`)).toEqual(["k1=aaaa", "k2=bbbb", "k3=cc", "k1=a", "k3=", "🎲=x"]);
    expect(a.closed).toBeUndefined();
    const c = new FakeConn();
    host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ k1: "a", k2: "bbbb", "🎲": "x" });
  });

  test("owned keys go when their owner leaves, announced with an empty sender; others' and unowned keys stay", () => {
    host.openRoom("r1", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "", a);
    host.join("r1", "pb", "", b);
    host.frame("r1", "pa", setState("pos/a", "1", true), true);
    host.frame("r1", "pa", setState("flag", "2"), true);
    host.frame("r1", "pb", setState("pos/b", "3", true), true);
    host.leave("r1", "pa", a);
    expect(b.cases().slice(-2)).toEqual(["playerLeft", "stateChanged"]);
    expect(b.changes().at(-1)).toEqual(["pos/a", "", ""]);
    const c = new FakeConn();
    host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ flag: "2", "pos/b": "3@pb" });
  });

  test("an owned key is its owner's: others get NOT_OWNER for a change or a delete, and nothing changes", () => {
    host.openRoom("r1", 3, 30_000);
    const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "", a);
    host.join("r1", "pb", "", b);
    host.join("r1", "pc", "", c);
    host.frame("r1", "pa", setState("pos/a", "1", true), true);
    host.frame("r1", "pb", setState("pos/a", "666"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    expect((b.frames.at(-1)!.frame.value as { message: string }).message).toBe("state key pos/a is owned by player pa");
    now += 1000; // one error frame a second at most
    host.frame("r1", "pb", setState("pos/a", "666", true), true); // claiming it is a change too
    now += 1000;
    host.frame("r1", "pb", setState("pos/a", ""), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER, ErrorCode.NOT_OWNER, ErrorCode.NOT_OWNER]);
    expect(b.closed).toBeUndefined();
    expect(c.changes()).toEqual([["pos/a", "1", "pa"]]);
    // The owner may change it, give it up (owned false), and then anyone may.
    host.frame("r1", "pa", setState("pos/a", "2", true), true);
    host.frame("r1", "pa", setState("pos/a", "3"), true);
    host.frame("r1", "pb", setState("pos/a", "4", true), true);
    expect(c.changes().map(([k, v, from]) => `${k}=${v}<-${from}`)).toEqual([
      "pos/a=1<-pa",
      "pos/a=2<-pa",
      "pos/a=3<-pa",
      "pos/a=4<-pb",
    ]);
    expect(a.errors()).toEqual([]);
    host.leave("r1", "pc", c);
    const d = new FakeConn();
    host.join("r1", "pd", "", d);
    expect(stateOf(d.welcome().state)).toEqual({ "pos/a": "4@pb" });
  });

  test("keys of players a restored room still waits for stay theirs until the grace ends", () => {
    host.openRoom("r1", 3, 30_000, {
      snapshot: snapshotBytes({
        maxPlayers: 3,
        players: [{ id: "pa" }],
        state: [{ key: "pos/a", value: enc("1"), ownerPlayerId: "pa" }],
      }),
    });
    const b = new FakeConn();
    host.join("r1", "pb", "", b);
    host.frame("r1", "pb", setState("pos/a", "2"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    jest.advanceTimersByTime(LIMITS.migrationGraceMs);
    expect(b.changes()).toEqual([["pos/a", "", ""]]); // pa did not come back: the server deleted it
    now += 1000;
    host.frame("r1", "pb", setState("pos/a", "2"), true);
    expect(b.errors()).toEqual([ErrorCode.NOT_OWNER]);
    const c = new FakeConn();
    host.join("r1", "pc", "", c);
    expect(stateOf(c.welcome().state)).toEqual({ "pos/a": "2" });
  });

  test("a seat taken over by a new connection is not a leave: owned keys stay", () => {
    host.openRoom("r1", 3, 30_000);
    const [a, b, a2] = [new FakeConn(), new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "", a);
    host.join("r1", "pb", "", b);
    host.frame("r1", "pa", setState("pos/a", "1", true), true);
    host.join("r1", "pa", "", a2);
    expect(a.closed?.code).toBe(CLOSE.replaced);
    expect(stateOf(a2.welcome().state)).toEqual({ "pos/a": "1@pa" });
    expect(b.changes()).toEqual([["pos/a", "1", "pa"]]); // the set, and no deletion after it
  });
});

describe("snapshots", () => {
  test("only rooms that changed since their last snapshot send one; state and players are in it", () => {
    host.openRoom("r1", 3, 30_000);
    host.openRoom("r2", 4, 30_000);
    host.takeSnapshots();
    expect(snapshots).toEqual([]); // nothing happened in either room yet
    const a = new FakeConn();
    host.join("r1", "pa", "ann", a);
    now = 1234;
    host.takeSnapshots();
    expect(snapshots.map((s) => s.roomId)).toEqual(["r1"]);
    expect(snapshots[0]!.snap).toMatchObject({
      players: [{ id: "pa", name: "ann" }],
      maxPlayers: 3,
      takenAtMs: 1234n,
      state: [],
    });
    host.takeSnapshots();
    expect(snapshots).toHaveLength(1); // not dirty any more

    host.frame("r1", "pa", setState("pos/a", "1", true), true);
    host.takeSnapshots();
    expect(stateOf(snapshots[1]!.snap.state)).toEqual({ "pos/a": "1@pa" });
    const b = new FakeConn();
    host.join("r2", "pb", "bob", b);
    host.leave("r2", "pb", b); // r2 closes: no snapshot for a room that is gone
    host.takeSnapshots();
    expect(snapshots).toHaveLength(2);
    host.markAllDirty();
    host.takeSnapshots();
    expect(snapshots.map((s) => s.roomId)).toEqual(["r1", "r1", "r1"]);
  });

  test("a snapshot over SNAPSHOT_MAX_BYTES is not sent, and logged once for the room", () => {
    host = makeHost({ stateMaxBytes: 1000, snapshotMaxBytes: 60 });
    host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    host.join("r1", "pa", "ann", a);
    host.frame("r1", "pa", setState("big", "x".repeat(40)), true);
    host.takeSnapshots();
    host.frame("r1", "pa", setState("big", "y".repeat(40)), true);
    host.takeSnapshots();
    expect(snapshots).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/snapshot too large.*"roomId":"r1"/);
    host.frame("r1", "pa", setState("big", "small"), true);
    host.takeSnapshots();
    expect(stateOf(snapshots[0]!.snap.state)).toEqual({ big: "small" });
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
    expect(host.openRoom("r1", 9, 1000, { snapshot })).toBeUndefined();
    expect(events).toEqual(["opened r1"]);
    // No first-join timeout for a room that moved.
    jest.advanceTimersByTime(10_000);
    expect(host.stats.rooms).toBe(1);

    // max_players comes from the snapshot (3): with two seats kept, one newcomer fits.
    const c = new FakeConn();
    host.join("r1", "pc", "cy", c);
    expect(c.welcome()).toMatchObject({ restored: true, maxPlayers: 3, players: [{ id: "pc" }] });
    expect(stateOf(c.welcome().state)).toEqual({ "pos/pa": "A@pa", "pos/pb": "B@pb", score: "7" });
    expect(host.admit("r1", "pd")).toMatchObject({ status: 409 });
    expect(host.admit("r1", "pa")).toBeUndefined();

    const a = new FakeConn();
    host.join("r1", "pa", "ann", a);
    expect(a.welcome()).toMatchObject({ restored: true, playerId: "pa" });
    expect(c.cases()).toContain("playerJoined");
  });

  test("when the grace ends, owned keys of players who did not come back go; the room stays while someone is in it", () => {
    host.openRoom("r1", 3, 1000, { snapshot });
    const a = new FakeConn();
    host.join("r1", "pa", "ann", a);
    jest.advanceTimersByTime(14_999);
    expect(a.changes()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(a.changes()).toEqual([["pos/pb", "", ""]]);
    expect(host.stats.rooms).toBe(1);
    // The seat bob kept is free again.
    host.join("r1", "pc", "cy", new FakeConn());
    expect(host.admit("r1", "pd")).toBeUndefined();
    host.takeSnapshots();
    expect(snapshots.at(-1)!.snap.players.map((p) => p.id)).toEqual(["pa", "pc"]);
  });

  test("a restored room nobody returns to closes as empty when the grace ends; one everyone left waits for the grace", () => {
    host.openRoom("r1", 3, 1000, { snapshot });
    host.openRoom("r2", 3, 1000, { snapshot });
    const a = new FakeConn();
    host.join("r2", "pa", "ann", a);
    host.leave("r2", "pa", a); // bob is still awaited: the room waits
    expect(host.stats.rooms).toBe(2);
    jest.advanceTimersByTime(15_000);
    expect(events.filter((e) => e.startsWith("closed"))).toEqual(["closed r1 EMPTY", "closed r2 EMPTY"]);
  });

  test("a snapshot of a restored room keeps the seats of players still awaited; opening it again is a no-op that reports opened", () => {
    host.openRoom("r1", 3, 1000, { snapshot });
    host.join("r1", "pa", "ann", new FakeConn());
    host.takeSnapshots();
    expect(snapshots.at(-1)!.snap.players).toEqual([
      expect.objectContaining({ id: "pa" }),
      expect.objectContaining({ id: "pb", name: "bob" }),
    ]);
    expect(host.openRoom("r1", 3, 1000, { snapshot: new Uint8Array() })).toBeUndefined();
    expect(events.filter((e) => e.startsWith("opened"))).toEqual(["opened r1", "opened r1"]);
    expect(host.stats).toEqual({ rooms: 1, players: 1 });
  });

  test("an empty or unreadable snapshot restores an empty room that waits the grace for anyone", () => {
    host.openRoom("r1", 2, 1000, { snapshot: new Uint8Array() });
    host.openRoom("r2", 2, 1000, { snapshot: new Uint8Array([0xff, 0xff]) });
    expect(warnings.join("\n")).toMatch(/unreadable/);
    const a = new FakeConn();
    host.join("r1", "px", "", a);
    expect(a.welcome()).toMatchObject({ restored: true, state: [], maxPlayers: 2 });
    jest.advanceTimersByTime(15_000);
    expect(events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 EMPTY"]);
  });
});

describe("drain", () => {
  test("migrate: every room closes as MIGRATING with its final snapshot, players with 4002; nothing new is taken", async () => {
    host.openRoom("r1", 3, 30_000);
    host.openRoom("r2", 3, 30_000);
    const [a, b] = [new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "ann", a);
    host.join("r1", "pb", "bob", b);
    host.frame("r1", "pa", setState("pos/a", "1", true), true);
    await host.drain("migrate", 30_000);
    for (const c of [a, b]) {
      expect(c.closed).toEqual({
        code: CLOSE.moved,
        reason: "room is moving to another server; rejoin through the Gateway",
      });
      expect(c.errors()).toEqual([]);
    }
    expect(events.filter((e) => e.startsWith("closed"))).toEqual(["closed r1 MIGRATING", "closed r2 MIGRATING"]);
    const final = snapshots.filter((s) => s.final);
    expect(final.map((s) => s.roomId)).toEqual(["r1", "r2"]);
    expect(final[0]!.snap.players.map((p) => p.id)).toEqual(["pa", "pb"]);
    // The owner leaving with the room is not leaving the room: its keys travel with it.
    expect(stateOf(final[0]!.snap.state)).toEqual({ "pos/a": "1@pa" });
    expect(host.stats).toEqual({ rooms: 0, players: 0 });
    expect(host.admit("r1", "pc")).toMatchObject({ status: 503 });
    expect(host.openRoom("r9", 1, 1000)).toMatchObject({ status: 503 });
  });

  test("finish: rooms with players play on (no newcomers) until they empty; empty rooms are migrated at once", async () => {
    host.openRoom("r1", 3, 30_000);
    host.openRoom("r2", 3, 30_000); // nobody in it yet
    const [a, b] = [new FakeConn(), new FakeConn()];
    host.join("r1", "pa", "", a);
    host.join("r1", "pb", "", b);
    let done = false;
    const drained = host.drain("finish", 30_000).then(() => (done = true));
    expect(events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 MIGRATING"]);
    expect(host.admit("r1", "pc")).toMatchObject({ status: 503 });
    expect(host.admit("r1", "pa")).toBeUndefined(); // its own seat, from a new connection
    host.frame("r1", "pa", frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1]) } } }), true);
    host.frame("r1", "pa", setState("k", "v"), true);
    expect(b.cases()).toEqual(["welcome", "message", "stateChanged"]);
    host.leave("r1", "pa", a);
    await Promise.resolve();
    expect(done).toBe(false);
    host.leave("r1", "pb", b);
    await drained;
    expect(events.filter((e) => e.startsWith("closed"))).toEqual(["closed r2 MIGRATING", "closed r1 EMPTY"]);
  });

  test("finish: at the deadline the rooms still running are migrated", async () => {
    host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    host.join("r1", "pa", "", a);
    const drained = host.drain("finish", 5000);
    jest.advanceTimersByTime(4999);
    expect(a.closed).toBeUndefined();
    jest.advanceTimersByTime(1);
    await drained;
    expect(a.closed?.code).toBe(CLOSE.moved);
    expect(events.at(-1)).toBe("closed r1 MIGRATING");
    expect(snapshots.filter((s) => s.final)).toHaveLength(1);
  });

  test("finish: a room that empties while players may still come back (reconnect grace) is migrated, not kept waiting", async () => {
    host = makeHost({ reconnectGraceMs: 20_000 });
    host.openRoom("r1", 3, 30_000);
    const a = new FakeConn();
    host.join("r1", "pa", "", a);
    const drained = host.drain("finish", 30_000);
    host.leave("r1", "pa", a);
    await drained;
    expect(events.at(-1)).toBe("closed r1 MIGRATING");
  });
});
