import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RoomCloseReason } from "../gen/roomgate/v1/manager_pb.js";
import { ClientFrameSchema, ErrorCode, type ServerFrame, ServerFrameSchema } from "../gen/roomgate/v1/room_pb.js";
import { silentLogger } from "../common/log";
import { CLOSE } from "./close-codes";
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
}

const frame = (f: Parameters<typeof create<typeof ClientFrameSchema>>[1]) => toBinary(ClientFrameSchema, create(ClientFrameSchema, f));
const limits = { maxFrameBytes: 64, maxMessagesPerSecond: 3, maxRooms: 2, maxPlayers: 3, reconnectGraceMs: 0 };

let events: string[];
let now: number;
let host: RoomHost;

beforeEach(() => {
  jest.useFakeTimers();
  events = [];
  now = 0;
  host = new RoomHost(
    "gs-1",
    limits,
    {
      opened: (id) => events.push(`opened ${id}`),
      players: (id, n) => events.push(`players ${id} ${n}`),
      closed: (id, r) => events.push(`closed ${id} ${RoomCloseReason[r]}`),
    },
    silentLogger,
    () => now,
  );
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
  expect(b.frames[0]!.frame.value).toMatchObject({ roomId: "r1", playerId: "pb", serverId: "gs-1", players: [{ id: "pa" }, { id: "pb" }] });
  host.leave("r1", "pb", b);
  expect(a.cases()).toContain("playerLeft");
  host.leave("r1", "pa", a);
  expect(events).toEqual(["opened r1", "players r1 1", "players r1 2", "players r1 1", "players r1 0", "closed r1 EMPTY"]);
  expect(host.stats).toEqual({ rooms: 0, players: 0 });
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

test("shutdown closes every room with going-away and reports it", () => {
  host.openRoom("r1", 3, 30_000);
  const a = new FakeConn();
  host.join("r1", "pa", "", a);
  host.shutdown();
  expect(a.closed?.code).toBe(CLOSE.goingAway);
  expect(events).toContain("closed r1 SHUTDOWN");
  expect(host.admit("r1", "pb")).toMatchObject({ status: 503 });
  expect(host.openRoom("r9", 1, 1000)).toMatchObject({ status: 503 });
});
