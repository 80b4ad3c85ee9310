// Rooms of a logic type on a RoomHost, without a network: who may open them, a refused join, a
// room that ends itself, ticks in room time, frames that do not fit the type, and a move from
// one host to another (onRestore, and an unreadable snapshot starting afresh).
import { ErrorCode } from "../gen/roomgate/v1/room_pb.js";
import { registry } from "../common/metrics/registry.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import { applyServerFrame, createStateReplica, encodeValue } from "@roomgate/client/sync";
import { defineRoom } from "../rooms/index.js";
import { FakeConn, FakeTopics, frame, RoomHostFixture, setState, snapshotBytes } from "../testkit/room-host-fixture.js";

interface Counter {
  ticks: number;
  said: string[];
  restored: boolean;
  left: string[];
  /** Each player's verified claims, as onJoin saw them. */
  claims: Record<string, unknown>;
}

const counter = defineRoom<Counter, { say?: string; boom?: true }>({
  type: "counter",
  tickHz: 10,
  initialState: () => ({ ticks: 0, said: [], restored: false, left: [], claims: {} }),
  onJoin(ctx, player) {
    ctx.state.claims[player.id] = player.claims;
    if (player.name === "mallory") return { refuse: "no mallory here" };
    if (player.name === "long") return { refuse: "ü".repeat(100) };
    return undefined;
  },
  onMessage(ctx, _player, input) {
    if (input.boom) throw new Error("boom");
    if (typeof input.say === "string") ctx.state.said.push(input.say);
  },
  onTick(ctx) {
    ctx.state.ticks++;
  },
  onRestore(ctx) {
    ctx.state.restored = true;
  },
  onLeave(ctx, player, consented) {
    ctx.state.left.push(`${player.id}:${consented}`);
  },
});

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);
const input = (v: unknown) => frame({ frame: { case: "input", value: encodeValue(v) } });

/** A player's view, built from the sync frames it received. */
function viewOf(conn: FakeConn) {
  const replica = createStateReplica<Counter>();
  for (const f of conn.frames) if (f.frame.case === "sync") applyServerFrame(replica, f.frame.value);
  return replica.state;
}

function open(roomId = "r1") {
  t.host = t.makeHost({ snapshotMaxBytes: 4096 }, [counter]);
  expect(t.host.openRoom(roomId, 4, 30_000, undefined, { roomType: "counter" })).toBeUndefined();
}

test("a server opens only the types it runs", () => {
  expect(t.host.openRoom("r1", 4, 30_000, undefined, { roomType: "counter" })).toEqual({
    status: 409,
    reason: 'this server does not run room type "counter"',
  });
  expect(t.host.openRoom("r2", 4, 30_000, undefined, { roomType: "relay" })).toBeUndefined();
});

test("the room's state follows the welcome and goes on every tick in room time, counted in the metrics", async () => {
  open();
  const a = new FakeConn();
  // The claims the game server verified (the join token's, from the player's identity token) reach onJoin.
  t.host.join("r1", "pa", "ann", a, { claims: { sub: "user-1", tier: "gold" } });
  expect(a.cases()).toEqual(["welcome", "sync"]);
  expect(a.welcome().roomType).toBe("counter");
  jest.advanceTimersByTime(1000);
  expect(viewOf(a)?.ticks).toBeGreaterThanOrEqual(9);
  expect(viewOf(a)?.claims).toEqual({ pa: { sub: "user-1", tier: "gold" } });
  t.host.frame("r1", "pa", input({ say: "hi" }), true);
  jest.advanceTimersByTime(100);
  expect(viewOf(a)?.said).toEqual(["hi"]);
  // The metrics count its ticks and CPU time by room type.
  const text = await registry.metrics();
  const ticks = /roomgate_room_logic_ticks_total\{room_type="counter"\} (\d+)/.exec(text);
  expect(Number(ticks?.[1])).toBeGreaterThanOrEqual(10);
  expect(text).toMatch(/roomgate_room_logic_cpu_seconds_total\{room_type="counter"\} \d/);
});

test("through pub/sub, a player whose join changes the shared state gets that change too, once, after its full state", () => {
  // A room without ticks flushes in the join itself, before the joining player is subscribed to
  // the room's topic: its copy of that patch is held and sent after its welcome and full state.
  const roster = defineRoom<{ names: string[] }>({
    type: "roster",
    initialState: () => ({ names: [] }),
    onJoin(ctx, player) {
      ctx.state.names.push(player.name);
    },
  });
  const topics = new FakeTopics();
  t.host = t.makeHost({}, [roster]);
  t.host.fanout = topics;
  expect(t.host.openRoom("r1", 4, 30_000, undefined, { roomType: "roster" })).toBeUndefined();
  const [a, b, c] = [topics.conn(), topics.conn(), topics.conn()];
  t.host.join("r1", "pa", "ann", a);
  t.host.join("r1", "pb", "bob", b);
  t.host.join("r1", "pc", "cid", c);
  for (const conn of [a, b, c]) {
    expect(viewOf(conn as FakeConn)).toEqual({ names: ["ann", "bob", "cid"] });
  }
  // Each change reached each player once: ann saw two patches after her own join, cid none but his.
  const syncs = (conn: FakeConn) => conn.frames.filter((f) => f.frame.case === "sync").length;
  expect([syncs(a), syncs(b), syncs(c)]).toEqual([4, 3, 2]);
});

test("a join the room refuses: closed with 4004 and the room's reason, before any welcome; the seat stays free", () => {
  open();
  const m = new FakeConn();
  expect(t.host.join("r1", "pm", "mallory", m)).toBe(false);
  expect(m.closed).toEqual({ code: CLOSE.refused, reason: "no mallory here" });
  expect(m.frames).toEqual([]);
  expect(t.host.stats).toEqual({ rooms: 1, players: 0 });
  // A close reason holds 123 bytes: a longer one is cut at a character.
  const l = new FakeConn();
  t.host.join("r1", "pl", "long", l);
  expect(l.closed?.reason).toBe("ü".repeat(61));
});

test("frames that do not fit the room's type get WRONG_ROOM_TYPE; undecodable input BAD_INPUT", () => {
  open();
  t.host.openRoom("relay1", 4, 30_000);
  const a = new FakeConn();
  const b = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.join("relay1", "pb", "bob", b);
  t.host.frame("r1", "pa", setState("k", "v"), true);
  t.now += 1000;
  t.host.frame("r1", "pa", frame({ frame: { case: "input", value: new Uint8Array([0xff, 0xff, 0xff]) } }), true);
  t.host.frame("relay1", "pb", input({ say: "x" }), true);
  expect(a.errors()).toEqual([ErrorCode.WRONG_ROOM_TYPE, ErrorCode.BAD_INPUT]);
  expect(b.errors()).toEqual([ErrorCode.WRONG_ROOM_TYPE]);
  expect(a.closed).toBeUndefined();
});

test("a throwing hook ends only its room: players get the reason, the Manager hears ENDED", async () => {
  open();
  t.host.openRoom("r2", 4, 30_000, undefined, { roomType: "counter" });
  const a = new FakeConn();
  const c = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.join("r2", "pc", "cy", c);
  t.host.frame("r1", "pa", input({ boom: true }), true);
  await Promise.resolve();
  expect(a.closed).toEqual({ code: CLOSE.roomClosed, reason: "room error: onMessage failed" });
  expect(a.frames.at(-1)?.frame.value).toMatchObject({
    code: ErrorCode.ROOM_CLOSING,
    message: "room error: onMessage failed",
  });
  expect(t.events).toContain("closed r1 ENDED");
  expect(c.closed).toBeUndefined();
  expect(t.host.roomIds()).toEqual(["r2"]);
});

test("a room moves: the next host resumes it from the final snapshot (onRestore), and a garbled one starts afresh", () => {
  open();
  const a = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  t.host.join("r1", "pb", "bob", new FakeConn());
  t.host.frame("r1", "pa", input({ say: "before" }), true);
  jest.advanceTimersByTime(500);
  void t.host.drain("migrate", 1000);
  const final = t.snapshots.find((s) => s.final)!;
  expect(final.snap.roomType).toBe("counter");
  expect(a.closed?.code).toBe(CLOSE.moved);

  const next = t.makeHost({ snapshotMaxBytes: 4096 }, [counter]);
  next.openRoom("r1", 4, 0, { snapshot: snapshotBytes(final.snap) }, { roomType: "counter" });
  const back = new FakeConn();
  next.join("r1", "pa", "ann", back);
  jest.advanceTimersByTime(200);
  const v = viewOf(back)!;
  expect(v.said).toEqual(["before"]);
  expect(v.restored).toBe(true);
  expect(v.ticks).toBeGreaterThan(viewOf(a)!.ticks);
  // Bob never comes back: once the migration grace is over the room hears he left.
  expect(v.left).toEqual([]);
  jest.advanceTimersByTime(15_000);
  expect(viewOf(back)!.left).toEqual(["pb:false"]);

  const garbled = t.makeHost({}, [counter]);
  const bytes = snapshotBytes({ ...final.snap, logic: new Uint8Array([1, 2, 3]) });
  garbled.openRoom("r1", 4, 0, { snapshot: bytes }, { roomType: "counter" });
  const fresh = new FakeConn();
  garbled.join("r1", "pa", "ann", fresh);
  expect(viewOf(fresh)).toMatchObject({ said: [], restored: false });
  expect(t.warnings.some((w) => w.includes("snapshot unreadable"))).toBe(true);
});

test("a definition that seats fewer than the room's max_players: the rest are refused before the upgrade", () => {
  const solo = defineRoom({ type: "solo", maxPlayers: 1 });
  t.host = t.makeHost({}, [solo]);
  t.host.openRoom("r1", 4, 30_000, undefined, { roomType: "solo" });
  const a = new FakeConn();
  t.host.join("r1", "pa", "ann", a);
  expect(a.welcome().maxPlayers).toBe(1);
  expect(t.host.admit("r1", "pb")).toEqual({ status: 409, reason: "room is full" });
});
