import { testRoom } from "../../rooms/testing.js";
import { ArenaFollower, type Followed, stampTimes } from "./e2e-follow.js";
import rooms, { E2E_ROOM_TYPES, type E2eMode } from "./e2e-rooms.js";
import { readSyncOptions } from "./options.js";

// The e2e benchmark's rooms and its players' copies, in-process: each state a player receives
// must be found as the tick it is, and the rooms must give the times of those ticks.

const o = readSyncOptions();
const definition = (mode: E2eMode) => rooms.find((d) => d.type === E2E_ROOM_TYPES[mode])!;

describe.each(Object.keys(E2E_ROOM_TYPES) as E2eMode[])("e2e room %s", (mode) => {
  const fullState = mode === "full-state";

  it("every state a late joiner receives is found as the tick it is, and each tick has a time", () => {
    const room = testRoom(definition(mode), { roomId: `follow-${mode}` });
    room.tick(7);
    const player = room.join("p");
    const follower = new ArenaFollower(o, fullState, mode === "patches-f32");
    const seen: Followed[] = [];
    let read = 0;
    const drain = () => {
      for (; read < player.frames.length; read++) seen.push(follower.apply(player.frames[read]!));
    };
    drain();
    room.tick(30);
    drain();
    const states = seen.filter((f) => f.kind === "state");
    // A full-state room's join frame is empty: its first state is tick 8's message.
    const first = fullState ? 8 : 7;
    expect(states.map((s) => s.tick)).toEqual(Array.from({ length: 38 - first }, (_, i) => first + i));
    expect(states[0]!.joined).toBe(!fullState);
    expect(follower.mismatches).toBe(0);

    // A room with a tick answers after its next tick's state.
    player.send({ stamps: [10, 20] });
    room.tick();
    const before = seen.length;
    drain();
    const after = seen.slice(before);
    expect(after).toContainEqual({ kind: "state", joined: false, tick: 38 });
    const reply = after.find((f) => f.kind === "stamps");
    if (reply?.kind !== "stamps") throw new Error("no tick times");
    expect(reply.reply.stampsFrom).toBe(10);
    const times = stampTimes(reply.reply);
    expect(times).toHaveLength(11);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times[0]!).toBeGreaterThan(0);
    room.close();
  });

  it("a state that is no tick's is a mismatch", () => {
    const room = testRoom(definition(mode), { roomId: `mismatch-${mode}` });
    const player = room.join("p");
    room.tick(3);
    // The player's copy follows the room; a follower that replays another shape finds no tick.
    const other = new ArenaFollower({ ...o, moving: o.moving - 1 }, fullState, mode === "patches-f32");
    const ticks = player.frames.map((f) => other.apply(f)).filter((f) => f.kind === "state");
    expect(ticks.some((f) => f.tick === undefined)).toBe(true);
    expect(other.mismatches).toBeGreaterThan(0);
    room.close();
  });
});
