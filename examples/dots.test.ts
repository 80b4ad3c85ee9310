import { restoreTestRoom, testRoom } from "roomgate/testing";
import { FRAME } from "@roomgate/client/protocol/sync/wire";
import { ARENA, type DotsState, dots, REJOIN_GRACE_MS, SPEED } from "./dots.js";
import rooms from "./dots.js";

const center = { x: ARENA.width / 2, y: ARENA.height / 2 };

describe("dots: an authoritative arena", () => {
  test("the module's default export lists the room type", () => {
    expect(rooms.map((r) => r.type)).toEqual(["dots"]);
  });

  test("a dot moves at SPEED in the direction its player sent, seen by every player", () => {
    const room = testRoom(dots);
    const ann = room.join({ id: "ann", name: "ann" });
    const bob = room.join({ id: "bob", name: "bob" });
    ann.send({ dx: 1, dy: 0 });
    room.advance(1000);
    expect(room.runtime.schedule.tick).toBe(20);
    expect(bob.state.dots.ann).toMatchObject({ x: center.x + SPEED, y: center.y });
    expect(ann.state).toEqual(bob.state);
  });

  test("impossible inputs are ignored: no teleport, no speed-up, no moving another's dot", () => {
    const room = testRoom(dots);
    const ann = room.join({ id: "ann", name: "ann" });
    const cheats: unknown[] = [
      { x: 0, y: 0 },
      { dx: 50, dy: 0 },
      { dx: 1.5, dy: 0 },
      { dx: "1", dy: 0 },
      { dx: Number.NaN, dy: 0 },
      [1, 0],
      null,
      "right",
      { dots: { ann: { x: 0 } } },
    ];
    for (const c of cheats) expect(ann.send(c as never)).toBe("ok");
    room.advance(1000);
    expect(ann.state.dots.ann).toMatchObject({ ...center, dx: 0, dy: 0 });
    // A legal input with extra fields moves at the fixed speed only.
    ann.send({ dx: 1, dy: 1, x: 799, speed: 1e6 } as never);
    room.advance(100);
    const step = SPEED * 0.1 * Math.SQRT1_2;
    expect(ann.state.dots.ann!.x).toBeCloseTo(center.x + step, 3);
    expect(ann.state.dots.ann!.y).toBeCloseTo(center.y + step, 3);
  });

  test("dots stay inside the arena", () => {
    const room = testRoom(dots);
    const ann = room.join({ id: "ann", name: "ann" });
    ann.send({ dx: -1, dy: 1 });
    room.advance(10_000);
    expect(ann.state.dots.ann).toMatchObject({ x: 0, y: ARENA.height });
  });

  test("a late tick moves dots by the time that passed, once", () => {
    const room = testRoom(dots);
    const ann = room.join({ id: "ann", name: "ann" });
    ann.send({ dx: 1, dy: 0 });
    room.jump(200);
    expect(room.stats.skippedTicks).toBe(3);
    expect(ann.state.dots.ann!.x).toBe(center.x + SPEED * 0.2);
    const patches = ann.frames.filter((f) => f[0] === FRAME.patch);
    expect(patches).toHaveLength(1); // the join, the direction and the move: one late tick, one patch
  });

  test("one moving dot costs a handful of bytes a tick; still dots cost nothing", () => {
    const room = testRoom(dots);
    const players = ["a", "b", "c", "d"].map((id) => room.join({ id, name: id }));
    room.tick();
    players[0]!.send({ dx: 1, dy: 1 });
    room.tick(); // its direction changes
    const before = players[1]!.frames.length;
    room.tick();
    const patch = players[1]!.frames.at(-1)!;
    expect(players[1]!.frames.length).toBe(before + 1);
    expect(patch.byteLength).toBeLessThanOrEqual(16);
    players[0]!.send({ dx: 0, dy: 0 });
    room.tick();
    const quiet = players[1]!.frames.length;
    room.tick(10);
    expect(players[1]!.frames.length).toBe(quiet);
  });

  test("the arena moves with its snapshot: dots where they were; players who do not come back are dropped", () => {
    const room = testRoom(dots);
    const ann = room.join({ id: "ann", name: "ann" });
    room.join({ id: "bob", name: "bob" });
    ann.send({ dx: 0, dy: -1 });
    room.advance(500);
    const moved = restoreTestRoom(dots, room.snapshot());
    const ann2 = moved.join({ id: "ann", name: "ann" });
    expect(ann2.state).toEqual(room.state as DotsState);
    moved.advance(500);
    expect(ann2.state.dots.ann!.y).toBe(center.y - SPEED);
    moved.advance(REJOIN_GRACE_MS);
    expect(Object.keys(ann2.state.dots)).toEqual(["ann"]);
  });
});
