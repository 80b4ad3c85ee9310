// Player frames: relays, pings, bad frames, and the per-sender rate and byte budgets.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, ErrorCode } from "../gen/roomgate/v1/room_pb.js";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import fc from "fast-check";
import { FakeConn, frame, RoomHostFixture } from "../testkit/room-host-fixture.js";
import { broadcastPayload, encodeRelayed, encodeSync } from "./hot-frames.js";
import { encode } from "./room.js";

const t = RoomHostFixture.perTest(beforeEach, afterEach, jest);

test("broadcast reaches everyone else with the sender's id; ping gets pong", () => {
  t.host.openRoom("r1", 3, 30_000);
  const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
  t.host.join("r1", "pa", "", a);
  t.host.join("r1", "pb", "", b);
  t.host.join("r1", "pc", "", c);
  t.host.frame(
    "r1",
    "pa",
    frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1, 2, 3]) } } }),
    true,
  );
  for (const conn of [b, c]) {
    const m = conn.frames.at(-1)!;
    expect(m.frame.case).toBe("message");
    expect(m.frame.value).toMatchObject({ fromPlayerId: "pa", payload: new Uint8Array([1, 2, 3]) });
  }
  expect(a.cases()).not.toContain("message");
  t.host.frame("r1", "pb", frame({ frame: { case: "ping", value: { nonce: 7 } } }), true);
  expect(b.frames.at(-1)!.frame).toMatchObject({ case: "pong", value: { nonce: 7 } });
});

test("bad frames cost the sender an error and a close, never the room", () => {
  t.host.openRoom("r1", 3, 30_000);
  const [a, b, c] = [new FakeConn(), new FakeConn(), new FakeConn()];
  t.host.join("r1", "pa", "", a);
  t.host.join("r1", "pb", "", b);
  t.host.join("r1", "pc", "", c);
  t.host.frame("r1", "pa", new Uint8Array([0xff, 0xff, 0xff]), true);
  expect(a.frames.at(-1)!.frame).toMatchObject({ case: "error", value: { code: ErrorCode.MALFORMED_FRAME } });
  expect(a.closed?.code).toBe(CLOSE.policyViolation);
  t.host.frame("r1", "pb", new Uint8Array(65), true);
  expect(b.frames.at(-1)!.frame).toMatchObject({ case: "error", value: { code: ErrorCode.FRAME_TOO_LARGE } });
  expect(b.closed?.code).toBe(CLOSE.tooBig);
  t.host.frame("r1", "pc", new TextEncoder().encode("hello"), false);
  expect(c.closed?.code).toBe(CLOSE.policyViolation);
  expect(t.host.stats.rooms).toBe(1);
});

test("a client over its message rate has frames dropped with one error", () => {
  t.host.openRoom("r1", 3, 30_000);
  const [a, b] = [new FakeConn(), new FakeConn()];
  t.host.join("r1", "pa", "", a);
  t.host.join("r1", "pb", "", b);
  const msg = frame({ frame: { case: "broadcast", value: { payload: new Uint8Array([1]) } } });
  for (let i = 0; i < 10; i++) t.host.frame("r1", "pa", msg, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(3);
  expect(a.frames.filter((f) => f.frame.case === "error")).toHaveLength(1);
  expect(a.closed).toBeUndefined();
  t.now += 1000;
  t.host.frame("r1", "pa", msg, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(4);
});

test("a client over its byte budget has frames dropped with RATE_LIMITED; the budget refills with time", () => {
  t.host = t.makeHost({ maxFrameBytes: 1000, maxMessagesPerSecond: 1000, maxBytesPerSecond: 1000 });
  t.host.openRoom("r1", 3, 30_000);
  const [a, b] = [new FakeConn(), new FakeConn()];
  t.host.join("r1", "pa", "", a);
  t.host.join("r1", "pb", "", b);
  const big = frame({ frame: { case: "broadcast", value: { payload: new Uint8Array(400) } } }); // 403 bytes
  for (let i = 0; i < 10; i++) t.host.frame("r1", "pa", big, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(2); // 806 of 1000 bytes
  expect(a.errors()).toEqual([ErrorCode.RATE_LIMITED]);
  expect((a.frames.at(-1)!.frame.value as { message: string }).message).toBe(
    "more than 1000 bytes per second; frame dropped",
  );
  expect(a.closed).toBeUndefined();
  // Small frames still fit in what is left; half a second refills half the budget.
  t.host.frame("r1", "pa", frame({ frame: { case: "ping", value: { nonce: 7 } } }), true);
  expect(a.cases().at(-1)).toBe("pong");
  t.now += 500;
  t.host.frame("r1", "pa", big, true);
  expect(b.frames.filter((f) => f.frame.case === "message")).toHaveLength(3);
});

test("the ServerFrames written by hand are byte for byte what protobuf-es writes", () => {
  const same = (bytes: Uint8Array) => expect(encodeSync(bytes)).toEqual(encode({ case: "sync", value: bytes }));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => same(b)));
  // Lengths whose varint takes one, two and three bytes, at the edges.
  for (const n of [0, 127, 128, 16_383, 16_384, 70_000]) same(new Uint8Array(n).fill(n % 251));
  const relayed = (from: string, payload: Uint8Array) =>
    expect(encodeRelayed(from, payload)).toEqual(encode({ case: "message", value: { fromPlayerId: from, payload } }));
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), (f, p) =>
      relayed(f, p),
    ),
  );
  for (const n of [0, 1, 125, 126, 127, 16_380, 70_000]) relayed("p_abc", new Uint8Array(n).fill(7));
});

test("a broadcast read by hand is what protobuf-es reads, and every other frame is left to it", () => {
  const agrees = (bytes: Uint8Array) => {
    const mine = broadcastPayload(bytes);
    if (mine === undefined) return;
    const theirs = fromBinary(ClientFrameSchema, bytes);
    expect(theirs.frame.case).toBe("broadcast");
    expect(theirs.frame.case === "broadcast" && theirs.frame.value.payload).toEqual(mine);
  };
  const broadcast = (payload: Uint8Array) =>
    toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame: { case: "broadcast", value: { payload } } }));
  // Every broadcast protobuf-es writes is read by hand, to the same payload.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (p) => {
      const bytes = broadcast(p);
      expect(broadcastPayload(bytes)).toEqual(p);
      agrees(bytes);
    }),
  );
  for (const n of [0, 1, 125, 126, 127, 128, 16_380, 16_384, 70_000]) {
    const p = new Uint8Array(n).fill(9);
    expect(broadcastPayload(broadcast(p))).toEqual(p);
  }
  // Anything else it reads only when protobuf-es reads the same broadcast: other frames, several
  // fields, trailing bytes, cut lengths, overlong varints.
  const others = [
    create(ClientFrameSchema, { frame: { case: "ping", value: { nonce: 3 } } }),
    create(ClientFrameSchema, { frame: { case: "input", value: new Uint8Array([1, 2]) } }),
    create(ClientFrameSchema, { frame: { case: "sendTo", value: { playerId: "p", payload: new Uint8Array([1]) } } }),
  ].map((m) => toBinary(ClientFrameSchema, m));
  for (const o of others) expect(broadcastPayload(o)).toBeUndefined();
  const twice = new Uint8Array([...broadcast(new Uint8Array([1])), ...broadcast(new Uint8Array([2]))]);
  expect(broadcastPayload(twice)).toBeUndefined();
  expect(broadcastPayload(new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0x07, 0x00]))).toBeUndefined();
  expect(broadcastPayload(new Uint8Array([0x0a, 0x05, 0x0a, 0x01]))).toBeUndefined();
  expect(broadcastPayload(new Uint8Array([0x0a, 0x80, 0x80, 0x80, 0x80, 0x00]))).toBeUndefined();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => {
      agrees(new Uint8Array([0x0a, ...tail]));
      agrees(new Uint8Array([0x0a, tail.length, ...tail]));
      agrees(new Uint8Array([0x0a, tail.length + 2, 0x0a, tail.length, ...tail]));
    }),
    { numRuns: 2000 },
  );
});
