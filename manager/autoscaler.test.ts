import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, type ClusterEvent } from "../gen/roomgate/v1/gateway_pb.js";
import { silentLogger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import type { RoomStore, ServerRegistration } from "../common/store/store";
import { Autoscaler, type RegionFleet, type ScalePolicy, decide, parsePolicies, wantedFree } from "./autoscaler";
import type { ProvisionedServer, Provisioner } from "./provisioner";

// The policy math as a pure function, the policy syntax, and the loop over the memory store with
// a scripted provisioner (ticks are called by hand: no timers).

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

/** Starts nothing real: a "server" registers when the test says so. */
class ScriptedProvisioner implements Provisioner {
  readonly name = "scripted";
  readonly started: ProvisionedServer[] = [];
  readonly stopped: string[] = [];
  private seq = 0;
  constructor(private readonly now: () => number) {}
  async start(region: string) {
    const serverId = `${region}-${++this.seq}`;
    this.started.push({ serverId, region, startedAtMs: this.now(), maxRooms: 3 });
    return { serverId };
  }
  async stop(serverId: string) {
    this.stopped.push(serverId);
  }
  async list() {
    return this.started.filter((s) => !this.stopped.includes(s.serverId));
  }
  expectedMaxRooms() {
    return 3;
  }
  async close() {}
}

const registration = (id: string, region = "eu"): ServerRegistration =>
  ({
    id,
    address: `ws://127.0.0.1:1/${id}`,
    region,
    zone: "",
    labels: {},
    maxRooms: 3,
    maxPlayers: 100,
    reportIntervalMs: 1000,
    managerId: "m",
    nowMs: 0,
    expiresAtMs: 1e12,
  }) as ServerRegistration;

describe("Autoscaler", () => {
  let now = 0;
  let store: MemoryStore;
  let provisioner: ScriptedProvisioner;
  const events: ClusterEvent[] = [];
  const scaler = (s: RoomStore = store, managerId = "m1", p: Provisioner = provisioner) =>
    new Autoscaler({
      store: s,
      provisioner: p,
      policies: [policy()],
      intervalMs: 100,
      bootTimeoutMs: 5000,
      managerId,
      log: silentLogger,
      now: () => now,
    });

  beforeEach(async () => {
    now = 1000;
    store = new MemoryStore();
    provisioner = new ScriptedProvisioner(() => now);
    events.length = 0;
    await store.subscribeEvents((e) => events.push(e));
  });

  test("starts min, counts booting servers instead of starting more, and adds one when a room takes the buffer", async () => {
    const a = scaler();
    await a.tick();
    await a.tick();
    expect(provisioner.started.map((s) => s.serverId)).toEqual(["eu-1"]);
    await store.registerServer(registration("eu-1"));
    await a.tick();
    expect(provisioner.started).toHaveLength(1);
    // A room on it: 2 free < 3.
    await scaler(withReserved(store, { "eu-1": 1 })).tick();
    expect(provisioner.started.map((x) => x.serverId)).toEqual(["eu-1", "eu-2"]);
  });

  test("a server that never registers is stopped after the boot timeout and replaced", async () => {
    const a = scaler();
    await a.tick();
    now += 5001;
    await a.tick();
    expect(provisioner.stopped).toEqual(["eu-1"]);
    await a.tick();
    expect(provisioner.started.map((s) => s.serverId)).toEqual(["eu-1", "eu-2"]);
  });

  test("scale-down drains an empty server, tells dashboards why and has it stopped", async () => {
    const a = scaler();
    for (const id of ["eu-1", "eu-2"]) {
      await provisioner.start("eu");
      await store.registerServer(registration(id));
      now += 10;
    }
    await a.tick();
    expect(provisioner.stopped).toEqual(["eu-2"]);
    expect((await store.getServer("eu-2"))!.state).toBe(GameServerState.DRAINING);
    expect((await store.getServer("eu-1"))!.state).toBe(LIVE);
    await flush();
    expect(events).toEqual([
      expect.objectContaining({
        kind: ClusterEventKind.SERVER_DRAINING,
        serverId: "eu-2",
        detail: expect.stringMatching(/^autoscaler: scale down/),
      }),
    ]);
    // The one left is min.
    await a.tick();
    expect(provisioner.stopped).toEqual(["eu-2"]);
  });

  test("a room that lands between the look and the drain calls the scale-down off", async () => {
    for (const id of ["eu-1", "eu-2"]) {
      await provisioner.start("eu");
      await store.registerServer(registration(id));
      now += 10;
    }
    // listServers says empty; the read after the drain sees the room that landed.
    const racing = new Proxy(store, {
      get(target, prop) {
        if (prop === "getServer")
          return async (id: string) => {
            const s = await target.getServer(id);
            if (s && id === "eu-2") s.reservedRooms = 1;
            return s;
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    await scaler(racing).tick();
    expect(provisioner.stopped).toEqual([]);
    expect((await store.getServer("eu-2"))!.state).toBe(LIVE);
  });

  test("of two Managers only the lease holder scales; the other takes over when it lets go", async () => {
    const other = new ScriptedProvisioner(() => now);
    const a = scaler(store, "m1");
    const b = scaler(store, "m2", other);
    await a.tick();
    await b.tick();
    expect(provisioner.started).toHaveLength(1);
    expect(other.started).toHaveLength(0);
    await a.stop();
    await b.tick();
    expect(other.started).toHaveLength(1);
  });
});

/** The store, with listServers and getServer reporting these reservations. */
function withReserved(store: MemoryStore, reserved: Record<string, number>): RoomStore {
  const patch = <T extends { id: string; reservedRooms: number }>(s: T) => {
    s.reservedRooms = reserved[s.id] ?? s.reservedRooms;
    return s;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "listServers") return async () => (await target.listServers()).map(patch);
      if (prop === "getServer")
        return async (id: string) => {
          const s = await target.getServer(id);
          return s && patch(s);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

const flush = () => new Promise((r) => setImmediate(r));
