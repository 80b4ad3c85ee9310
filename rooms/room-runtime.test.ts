import { FRAME } from "@roomgate/client/protocol/sync/wire";
import { defineRoom, type TickInfo, type WireValue } from "./index.js";
import { SnapshotError } from "./snapshot.js";
import { restoreTestRoom, testRoom } from "./testing.js";

type Counter = { n: number; log: string[] };

const counter = defineRoom<Counter, WireValue>({
  type: "counter",
  tickHz: 20,
  initialState: () => ({ n: 0, log: [] }),
  onMessage(ctx, player, input) {
    if (input === "inc") ctx.state.n++;
    if (input === "boom") throw new Error("boom from " + player.name);
    if (input === "later") return Promise.reject(new Error("async boom"));
    if (input === "hello") ctx.broadcast({ hi: player.name });
    return undefined;
  },
});

describe("a room's life", () => {
  test("a joiner gets the whole state first, then at most one patch per tick, and none when nothing changed", () => {
    const room = testRoom(counter);
    const ann = room.join("ann");
    expect(ann.frames.map((f) => f[0])).toEqual([FRAME.full]);
    expect(ann.state).toEqual({ n: 0, log: [] });
    ann.send("inc");
    ann.send("inc");
    ann.send("inc");
    expect(ann.frames).toHaveLength(1); // a ticking room syncs at its tick
    room.tick();
    expect(ann.frames.map((f) => f[0])).toEqual([FRAME.full, FRAME.patch]);
    expect(ann.state).toEqual({ n: 3, log: [] });
    room.tick(5);
    expect(ann.frames).toHaveLength(2);
  });

  test("state goes before the messages of the same tick; except leaves the sender out", () => {
    const room = testRoom(counter);
    const ann = room.join("ann");
    const bob = room.join("bob");
    ann.send("inc");
    ann.send("hello");
    room.tick();
    expect(bob.frames.map((f) => f[0])).toEqual([FRAME.full, FRAME.patch, FRAME.message]);
    expect(bob.messages).toEqual([{ hi: "ann" }]);
  });

  test("onJoin refuses with a reason; a full room refuses; claims reach onJoin", () => {
    const seen: unknown[] = [];
    const def = defineRoom({
      type: "picky",
      maxPlayers: 2,
      onJoin(_ctx, player) {
        seen.push(player.claims);
        return player.name === "mallory" ? { refuse: "not you" } : undefined;
      },
    });
    const room = testRoom(def);
    expect(() => room.join("mallory")).toThrow("join refused: not you");
    room.join({ name: "ann", claims: { role: "player" } });
    room.join("bob");
    expect(() => room.join("cid")).toThrow("join refused: room is full");
    expect(seen).toEqual([{}, { role: "player" }, {}]);
    expect(room.runtime.players.size).toBe(2);
  });

  test("a late room runs one tick that reports the ticks it skipped, never a burst", () => {
    const ticks: TickInfo[] = [];
    const room = testRoom(defineRoom({ type: "ticker", tickHz: 20, onTick: (_c, t) => void ticks.push(t) }));
    room.jump(50);
    room.jump(250); // 5 periods at once
    room.jump(49); // not due yet
    room.jump(1);
    expect(ticks).toEqual([
      { tick: 1, elapsedMs: 50, skipped: 0 },
      { tick: 2, elapsedMs: 250, skipped: 4 },
      { tick: 3, elapsedMs: 50, skipped: 0 },
    ]);
    expect(room.stats.skippedTicks).toBe(4);
  });

  test("a player already in the room who connects again gets the state afresh, without a second onJoin", () => {
    let joins = 0;
    const room = testRoom(defineRoom({ ...counter, type: "rejoin", onJoin: () => void joins++ }));
    const ann = room.join({ id: "ann", name: "ann" });
    ann.send("inc");
    room.tick();
    room.join({ id: "ann", name: "ann" });
    expect(joins).toBe(1);
    expect(ann.frames.map((f) => f[0])).toEqual([FRAME.full, FRAME.patch, FRAME.full]);
    expect(ann.state).toEqual({ n: 1, log: [] });
  });

  test("undecodable input never reaches onMessage", () => {
    const room = testRoom(counter);
    const ann = room.join("ann");
    expect(ann.sendBytes(new Uint8Array([0xff, 1, 2]))).toBe("undecodable");
    expect(ann.sendBytes(new Uint8Array([10, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe("undecodable"); // 4G entries
    expect(room.stats.undecodableInputs).toBe(2);
    expect(room.closedWith).toBeUndefined();
  });
});

describe("timers and the clock", () => {
  const alarm = defineRoom<{ rings: number[] }>({
    type: "alarm",
    initialState: () => ({ rings: [] }),
    timers: {
      ring(ctx, data) {
        ctx.state.rings.push(ctx.clock.now, data as number);
      },
    },
    onCreate(ctx) {
      ctx.timers.after(100, "ring", 1);
      ctx.timers.every(30, "ring", 2);
    },
  });

  test("timers fire in room time, in order; a late interval fires once", () => {
    const room = testRoom(alarm);
    room.advance(60);
    expect(room.state.rings).toEqual([30, 2, 60, 2]);
    room.jump(200); // to 260 at once: the interval fires once for 90..240
    expect(room.state.rings).toEqual([30, 2, 60, 2, 90, 2, 100, 1]);
    expect(room.runtime.ctx.timers.list().map((t) => t.dueMs)).toEqual([270]);
  });

  test("an unknown timer name is the hook's error", () => {
    const def = defineRoom({ type: "typo", onCreate: (ctx) => void ctx.timers.after(1, "rnig") });
    const room = testRoom(def);
    expect(room.closedWith).toBe("room error: onCreate failed");
    expect(room.logs.find((l) => l.level === "error")?.fields.error).toContain('no timer handler "rnig"');
  });

  test("closing cancels every timer", () => {
    const room = testRoom(alarm);
    room.close("bye");
    expect(room.runtime.ctx.timers.list()).toEqual([]);
    expect(room.runtime.nextDueMs()).toBeUndefined();
  });
});

describe("room code cannot take the host down", () => {
  test("a throwing onMessage closes its room with a clear reason, logged with id and type; another room plays on", () => {
    const a = testRoom(counter, { roomId: "room-a" });
    const b = testRoom(counter, { roomId: "room-b" });
    const ann = a.join("ann");
    const bob = b.join("bob");
    ann.send("boom");
    expect(ann.closedWith).toBe("room error: onMessage failed");
    expect(a.logs).toContainEqual({
      level: "error",
      msg: "room hook threw",
      fields: expect.objectContaining({
        roomId: "room-a",
        roomType: "counter",
        hook: "onMessage",
        error: "boom from ann",
      }),
    });
    expect(ann.send("inc")).toBe("closed");
    bob.send("inc");
    b.tick();
    expect(bob.state).toEqual({ n: 1, log: [] });
  });

  test("a rejected promise closes the room too (never an unhandled rejection)", async () => {
    const room = testRoom(counter);
    const ann = room.join("ann");
    ann.send("later");
    await new Promise((r) => setImmediate(r));
    expect(ann.closedWith).toBe("room error: onMessage failed");
  });

  test('onError "drop-input": the input is dropped and the room goes on', () => {
    const room = testRoom(defineRoom({ ...counter, type: "lenient", onError: "drop-input" }));
    const ann = room.join("ann");
    ann.send("inc");
    ann.send("boom");
    ann.send("inc");
    room.tick();
    expect(ann.state).toEqual({ n: 2, log: [] });
    expect(room.stats.droppedInputs).toBe(1);
    expect(room.closedWith).toBeUndefined();
  });

  test("a throwing onTick closes the room; onDispose runs; state that cannot be sent closes it too", () => {
    const disposed: string[] = [];
    const room = testRoom(
      defineRoom({
        type: "crashy",
        tickHz: 10,
        onTick(ctx, t) {
          if (t.tick === 2) ctx.state.bad = new Date();
        },
        onDispose: (_ctx, reason) => void disposed.push(reason),
      }),
    );
    room.join("ann");
    room.tick(2);
    expect(room.closedWith).toBe("room error: sync failed");
    expect(room.logs.find((l) => l.level === "error")?.fields.error).toBe(
      "/bad holds a Date: use plain objects, arrays, strings, numbers, booleans, null or Uint8Array",
    );
    expect(disposed).toEqual(["room error: sync failed"]);
  });

  test("a tick over its budget is logged with its duration; CPU time is counted", () => {
    let now = 0;
    const room = testRoom(
      defineRoom({
        type: "slow",
        tickHz: 20,
        onTick(_ctx, t) {
          now += t.tick === 2 ? 80 : 1;
        },
      }),
      { stopwatch: () => now },
    );
    room.tick(3);
    expect(room.stats.overruns).toBe(1);
    expect(room.logs).toContainEqual({
      level: "warn",
      msg: "room tick over budget",
      fields: expect.objectContaining({ roomId: "test-room", tick: 2, durationMs: 80, budgetMs: 50 }),
    });
    expect(room.stats.cpuMs).toBe(82);
  });

  test("ctx.close: players get the last state and messages, then the reason", () => {
    const room = testRoom(
      defineRoom<{ over: boolean }>({
        type: "short",
        initialState: () => ({ over: false }),
        onMessage(ctx) {
          ctx.state.over = true;
          ctx.broadcast("bye");
          ctx.close("game over");
        },
      }),
    );
    const ann = room.join("ann");
    ann.send("x");
    expect(ann.state).toEqual({ over: true });
    expect(ann.messages).toEqual(["bye"]);
    expect(ann.closedWith).toBe("game over");
  });
});

describe("snapshots", () => {
  const game = defineRoom<{ score: Record<string, number> }>({
    type: "game",
    tickHz: 10,
    initialState: () => ({ score: {} }),
    timers: {
      bonus(ctx, data) {
        for (const id of ctx.players.keys()) ctx.state.score[id] = (ctx.state.score[id] ?? 0) + (data as number);
      },
    },
    onCreate: (ctx) => void ctx.timers.every(1000, "bonus", 5),
    onJoin(ctx, p) {
      ctx.state.score[p.id] ??= 0;
    },
    onSnapshot: (ctx) => ({ savedAt: ctx.clock.now }),
    onRestore(ctx, { players, extra }) {
      ctx.state.score.restoredWith = players.length;
      ctx.log.info("restored", { extra });
    },
  });

  test("state, clock, tick count and timers move with the room; onRestore gets players and extras", () => {
    const room = testRoom(game);
    room.join({ id: "ann", name: "ann", claims: { team: "red" } });
    room.advance(2500);
    const snap = room.snapshot();
    const moved = restoreTestRoom(game, snap);
    expect(moved.now).toBe(room.now);
    expect(moved.runtime.schedule.tick).toBe(room.runtime.schedule.tick);
    expect(moved.runtime.ctx.timers.list()).toEqual(room.runtime.ctx.timers.list());
    expect(moved.state).toEqual({ score: { ann: room.state.score.ann, restoredWith: 1 } });
    expect(moved.logs).toContainEqual(
      expect.objectContaining({ msg: "restored", fields: expect.objectContaining({ extra: { savedAt: 2500 } }) }),
    );
    // The next bonus fires at the same room time on either server.
    const ann = moved.join({ id: "ann", name: "ann" });
    room.advance(600);
    moved.advance(600);
    expect(moved.state.score.ann).toBe(room.state.score.ann);
    moved.tick();
    expect(ann.state.score.ann).toBe(room.state.score.ann);
  });

  test("a snapshot of another type or unreadable bytes is refused", () => {
    const snap = testRoom(counter).snapshot();
    expect(() => restoreTestRoom(game, snap)).toThrow(SnapshotError);
    expect(() => restoreTestRoom(game, new Uint8Array([1, 2, 3]))).toThrow("snapshot unreadable");
  });
});
