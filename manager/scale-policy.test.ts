import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { decide, parsePolicies, type RegionFleet, type ScalePolicy, wantedFree } from "./scale-policy";

// The policy math as a pure function, and the policy syntax.

const LIVE = GameServerState.LIVE;
const policy = (over: Partial<ScalePolicy> = {}): ScalePolicy => ({
  region: "eu",
  buffer: { rooms: 3 },
  min: 1,
  max: 4,
  ...over,
});
const server = (id: string, reservedRooms: number, maxRooms = 3, state = LIVE) => ({
  id,
  state,
  maxRooms,
  reservedRooms,
});
const fleet = (over: Partial<RegionFleet> = {}): RegionFleet => ({
  servers: [],
  booting: [],
  owned: [],
  newServerRooms: 3,
  ...over,
});

describe("parsePolicies", () => {
  test("regions, absolute and percentage buffers, min defaulting to 0", () => {
    expect(parsePolicies(" eu:buffer=4,min=1,max=5 ; us:buffer=25%, max=10;")).toEqual([
      { region: "eu", buffer: { rooms: 4 }, min: 1, max: 5 },
      { region: "us", buffer: { percent: 25 }, min: 0, max: 10 },
    ]);
    expect(parsePolicies("a.b-c_1:buffer=0,max=1")).toEqual([
      { region: "a.b-c_1", buffer: { rooms: 0 }, min: 0, max: 1 },
    ]);
    expect(parsePolicies("eu:buffer=12.5%,max=3")[0]!.buffer).toEqual({ percent: 12.5 });
  });

  test.each([
    ["", /names no region/],
    ["eu", /expected region:buffer=N/],
    ["e u:buffer=1,max=2", /region 'e u'/],
    ["eu:buffer=1,max=2;eu:buffer=1,max=2", /appears twice/],
    ["eu:bufer=1,max=2", /unknown key 'bufer'/],
    ["eu:buffer,max=2", /buffer needs a value/],
    ["eu:buffer=1,buffer=2,max=2", /buffer given twice/],
    ["eu:max=2", /buffer is required/],
    ["eu:buffer=1", /max is required/],
    ["eu:buffer=-1,max=2", /buffer must be a whole number/],
    ["eu:buffer=1,min=x,max=2", /min must be a whole number/],
    ["eu:buffer=100%,max=2", /above 0% and below 100%/],
    ["eu:buffer=0%,max=2", /above 0% and below 100%/],
    ["eu:buffer=1,max=0", /max must be at least 1/],
    ["eu:buffer=1,min=3,max=2", /min \(3\) is above max \(2\)/],
  ])("%j is refused", (text, error) => {
    expect(() => parsePolicies(text)).toThrow(error);
  });
});

describe("decide", () => {
  test("an empty region is brought up to min", () => {
    expect(decide(policy({ buffer: { rooms: 0 }, min: 2 }), fleet())).toMatchObject({
      kind: "up",
      add: 2,
      reason: "0 servers, below min 2",
    });
  });

  test("below the buffer: as many servers as it takes, counting booting ones, capped by max", () => {
    // 3 slots, 1 taken: 2 free < 3.
    expect(decide(policy(), fleet({ servers: [server("a", 1)] }))).toMatchObject({
      kind: "up",
      add: 1,
      capacity: { free: 2, total: 3, wanted: 3 },
    });
    // A booting server's slots count: nothing more to start, and nothing to remove while it boots.
    expect(decide(policy(), fleet({ servers: [server("a", 1)], booting: [3], owned: ["a"] }))).toMatchObject({
      kind: "none",
      reason: "booting",
      capacity: { free: 5 },
    });
    // A buffer of 10 with 3-slot servers from nothing: 4 servers.
    expect(decide(policy({ buffer: { rooms: 10 }, min: 0, max: 9 }), fleet())).toMatchObject({ kind: "up", add: 4 });
    expect(decide(policy({ buffer: { rooms: 10 }, min: 0, max: 2 }), fleet())).toMatchObject({ kind: "up", add: 2 });
    // At max the buffer stays short.
    const full = fleet({ servers: [server("a", 3), server("b", 3), server("c", 3), server("d", 2)] });
    expect(decide(policy(), full)).toMatchObject({ kind: "none", reason: "at max", capacity: { free: 1, servers: 4 } });
  });

  test("SUSPECT servers count against max but give no free slots; DRAINING ones count for nothing", () => {
    const f = fleet({
      servers: [
        server("a", 3),
        server("s", 0, 3, GameServerState.SUSPECT),
        server("d", 0, 3, GameServerState.DRAINING),
      ],
    });
    expect(decide(policy({ max: 3 }), f)).toMatchObject({
      kind: "up",
      add: 1,
      capacity: { servers: 2, healthy: 1, free: 0 },
    });
    expect(decide(policy({ max: 2 }), f)).toMatchObject({ kind: "none", reason: "at max" });
  });

  test("a percentage buffer is a share of the region's slots, at least one slot", () => {
    const p = policy({ buffer: { percent: 25 }, min: 0, max: 10 });
    expect(wantedFree(p, 0)).toBe(1);
    expect(wantedFree(p, 40)).toBe(10);
    expect(wantedFree(p, 42)).toBe(11);
    // 4 x 10 slots, 35 taken: 5 free of 40 (wants 10); one more: 15 free of 50 (wants 13).
    const busy = fleet({
      servers: ["a", "b", "c", "d"].map((id, i) => server(id, i < 3 ? 10 : 5, 10)),
      newServerRooms: 10,
    });
    expect(decide(p, busy)).toMatchObject({ kind: "up", add: 1 });
    // From nothing, one server so that the first room has somewhere to go.
    expect(decide(p, fleet())).toMatchObject({ kind: "up", add: 1 });
  });

  test("removes one empty owned server when the buffer holds without it, the preferred first", () => {
    const f = fleet({ servers: [server("a", 1), server("b", 0), server("c", 0)], owned: ["c", "b", "a"] });
    // 8 free; without c (3 slots) 5 >= 3.
    expect(decide(policy(), f)).toMatchObject({ kind: "down", serverId: "c", capacity: { free: 8 } });
    // Not one it did not start, nor one with a room.
    expect(decide(policy(), { ...f, owned: ["a"] })).toMatchObject({ kind: "none", reason: "buffer met" });
    // Not when the buffer would break: 5 free, without b 2 < 3.
    expect(decide(policy(), fleet({ servers: [server("a", 1), server("b", 0)], owned: ["b"] }))).toMatchObject({
      kind: "none",
      reason: "buffer met",
    });
    // Never below min.
    expect(
      decide(policy({ buffer: { rooms: 0 }, min: 2 }), { ...f, servers: [server("b", 0), server("c", 0)] }),
    ).toMatchObject({ kind: "none" });
  });

  test("a percentage buffer is checked against the slots left after the removal", () => {
    const p = policy({ buffer: { percent: 50 }, min: 0, max: 10 });
    // 3 x 4 slots, 4 taken: 8 free of 12. Without an empty one: 4 free of 8, wants 4: ok.
    const f = fleet({
      servers: [server("a", 4, 4), server("b", 0, 4), server("c", 0, 4)],
      owned: ["b", "c"],
      newServerRooms: 4,
    });
    expect(decide(p, f)).toMatchObject({ kind: "down", serverId: "b" });
    // 5 taken: 7 free of 12; without one: 3 free of 8, wants 4: keep.
    const g = fleet({
      servers: [server("a", 4, 4), server("b", 1, 4), server("c", 0, 4)],
      owned: ["c"],
      newServerRooms: 4,
    });
    expect(decide(p, g)).toMatchObject({ kind: "none", reason: "buffer met" });
  });

  test("above max an empty owned server goes even if the buffer suffers", () => {
    const f = fleet({ servers: [server("a", 3), server("b", 3), server("c", 0)], owned: ["c"] });
    expect(decide(policy({ max: 2 }), f)).toMatchObject({
      kind: "down",
      serverId: "c",
      reason: "3 servers, above max 2",
    });
  });

  test("no flapping: what a scale-up leads to is never a scale-down", () => {
    for (let buffer = 0; buffer <= 7; buffer++) {
      for (let taken = 0; taken <= 12; taken++) {
        const p = policy({ buffer: { rooms: buffer }, min: 0, max: 20 });
        // Fill 3-slot servers in order, like a packed fleet, with enough servers for `taken`.
        const servers = Array.from({ length: Math.ceil(taken / 3) }, (_, i) =>
          server(`s${i}`, Math.min(3, taken - i * 3)),
        );
        const d = decide(p, fleet({ servers, owned: servers.map((s) => s.id) }));
        if (d.kind !== "up") continue;
        const more = [...servers, ...Array.from({ length: d.add }, (_, i) => server(`n${i}`, 0))];
        expect(decide(p, fleet({ servers: more, owned: more.map((s) => s.id) })).kind).toBe("none");
      }
    }
  });
});
