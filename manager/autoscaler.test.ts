import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { type ClusterEvent, ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { silentLogger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import type { RoomStore, ServerRegistration } from "../common/store/store";
import { Autoscaler } from "./autoscaler";
import type { ProvisionedServer, Provisioner } from "./provisioner";

// The loop over the memory store with a scripted provisioner (ticks are called by hand: no
// timers); the policy math it acts on is tested in scale-policy.test.ts.

const LIVE = GameServerState.LIVE;

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
      policies: [{ region: "eu", buffer: { rooms: 3 }, min: 1, max: 4 }],
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
