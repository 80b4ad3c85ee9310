import { niceMax } from "./src/dashboard-chart";
import { EDGE, SPEED, step } from "./src/motion";
import { ARENA_SIZE, decodePosition, encodePosition } from "./src/position-codec";
import { spawnPosition } from "./src/player-style";
import { direction, toView } from "./src/dots-room";
import { ARENA, SPEED as DOTS_SPEED } from "../examples/dots";

// The demo's DOM-free pieces: the wire format, movement, and the chart's scale.

test("positions round-trip in 5 bytes and foreign payloads are ignored", () => {
  const b = encodePosition({ x: 123.4, y: 999.6 });
  expect(b.byteLength).toBe(5);
  expect(decodePosition(b)).toEqual({ x: 123, y: 1000 });
  expect(decodePosition(encodePosition({ x: -5, y: 5000 }))).toEqual({ x: 0, y: ARENA_SIZE });
  expect(decodePosition(new Uint8Array([2, 0, 1, 0, 1]))).toBeUndefined();
  expect(decodePosition(new Uint8Array([1, 0, 1, 0]))).toBeUndefined();
  expect(decodePosition(new Uint8Array([1, 0xff, 0xff, 0, 1]))).toBeUndefined();
  // A view into a larger buffer, as a WebSocket frame decoder may hand over.
  const framed = new Uint8Array([9, 9, ...encodePosition({ x: 7, y: 8 })]).subarray(2);
  expect(decodePosition(framed)).toEqual({ x: 7, y: 8 });
});

test("keys move at SPEED in any direction, diagonals included, and stop at the edge", () => {
  expect(step({ x: 500, y: 500 }, { dx: 1, dy: 0 }, 0.1).pos).toEqual({ x: 500 + SPEED * 0.1, y: 500 });
  const diag = step({ x: 500, y: 500 }, { dx: 1, dy: 1 }, 0.1).pos;
  expect(Math.hypot(diag.x - 500, diag.y - 500)).toBeCloseTo(SPEED * 0.1);
  expect(step({ x: EDGE + 1, y: 500 }, { dx: -1, dy: 0 }, 0.1).pos.x).toBe(EDGE);
  // A long stall (a hidden tab) moves no further than a tenth of a second would.
  expect(step({ x: 500, y: 500 }, { dx: 0, dy: 1 }, 5).pos.y).toBe(500 + SPEED * 0.1);
});

test("a target is walked to and then dropped; keys win over it", () => {
  let s = step({ x: 100, y: 100 }, { dx: 0, dy: 0, target: { x: 100, y: 200 } }, 0.1);
  expect(s.pos.y).toBeCloseTo(140);
  expect(s.target).toEqual({ x: 100, y: 200 });
  s = step(s.pos, { dx: 0, dy: 0, target: { x: 100, y: 200 } }, 0.1);
  s = step(s.pos, { dx: 0, dy: 0, target: { x: 100, y: 200 } }, 0.1);
  expect(s).toEqual({ pos: { x: 100, y: 200 } });
  expect(step({ x: 100, y: 100 }, { dx: 1, dy: 0, target: { x: 100, y: 900 } }, 0.1)).toEqual({
    pos: { x: 140, y: 100 },
  });
  // Targets outside the board are pulled in.
  expect(step({ x: 50, y: 50 }, { dx: 0, dy: 0, target: { x: -100, y: 50 } }, 0.1).pos.x).toBe(EDGE);
});

test("spawn points are inside the board and the same on every page", () => {
  for (const id of ["p_a", "p_b", "p_cjcHqR0Ci4Yb181b"]) {
    const p = spawnPosition(id);
    expect(p).toEqual(spawnPosition(id));
    for (const v of [p.x, p.y]) expect(v >= EDGE && v <= ARENA_SIZE - EDGE).toBe(true);
  }
});

test("the chart's scale has whole, round quarters", () => {
  expect([0, 3, 4, 5, 9, 10, 37, 101, 950].map(niceMax)).toEqual([4, 4, 4, 8, 20, 20, 40, 200, 2000]);
});

test("dots rooms: the demo draws the room's arena in its own, and turns a target into directions", () => {
  // The room's arena and speed are the demo's (examples/dots.ts is what the demo plays).
  expect(ARENA).toEqual({ width: ARENA_SIZE, height: ARENA_SIZE });
  expect(DOTS_SPEED).toBe(SPEED);
  expect(toView({ x: 0, y: ARENA_SIZE })).toEqual({ x: EDGE, y: ARENA_SIZE - EDGE });
  expect(direction({ x: 500, y: 500 }, { dx: -1, dy: 0, target: { x: 900, y: 900 } })).toEqual({
    dx: -1,
    dy: 0,
    arrived: false,
  });
  expect(direction({ x: 500, y: 500 }, { dx: 0, dy: 0, target: { x: 900, y: 505 } })).toEqual({
    dx: 1,
    dy: 0,
    arrived: false,
  });
  expect(direction({ x: 500, y: 500 }, { dx: 0, dy: 0, target: { x: 495, y: 508 } })).toEqual({
    dx: 0,
    dy: 0,
    arrived: true,
  });
});
