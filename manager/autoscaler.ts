import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import type { Logger } from "../common/log.js";
import type { ClusterEvents, Leases, ServerRegistry } from "../common/store/store.js";

/** The autoscaler reads and drains servers, under a lease, and tells dashboards. */
export type AutoscalerStore = ServerRegistry & Leases & Pick<ClusterEvents, "publishEvent">;
import type { Provisioner, ProvisionedServer } from "./provisioner.js";
import { decide, describePolicy, type ScalePolicy } from "./scale-policy.js";

// Keeps a buffer of free room slots per region, as Agones' buffer policy keeps ready game
// servers: below it the provisioner starts servers, and a server is removed when the buffer
// holds without it. Every Manager with a provisioner runs the loop; only the holder of the
// store's "autoscaler" lease acts, so two Managers never scale the same fleet.
//
// Scale-down never moves a room: only an empty LIVE server the provisioner started is picked. It
// is made DRAINING in the store first (no room can be placed on it from then on), read again, and
// handed back (LIVE) if a room landed on it meanwhile; otherwise the provisioner stops it. Its
// drain has nothing to hand over, it tells its Manager it is draining and hangs up, and the
// Manager removes it from the store at once ("drained"), as after any drain.

// The policy and the decision per region live in scale-policy.ts; re-exported for callers.
export {
  type Capacity,
  type Decision,
  decide,
  describePolicy,
  PolicyError,
  parsePolicies,
  type RegionFleet,
  type ScalePolicy,
  wantedFree,
} from "./scale-policy.js";

export interface AutoscalerOptions {
  store: AutoscalerStore;
  provisioner: Provisioner;
  policies: ScalePolicy[];
  intervalMs: number;
  /** A started server that has not registered within this is stopped and no longer counted. */
  bootTimeoutMs: number;
  /** This Manager: the lease holder's name. */
  managerId: string;
  log: Logger;
  now?: () => number;
}

const LEASE = "autoscaler";

export class Autoscaler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private leading = false;
  private stopped = false;
  private storeDown = false;
  /** The last "none" reason logged per region, so a steady state is logged once. */
  private readonly lastState = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly o: AutoscalerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The lease outlives a few missed ticks; a Manager that dies hands over within it. */
  get leaseMs() {
    return Math.max(1000, this.o.intervalMs * 3);
  }

  start() {
    this.o.log.info("autoscaler started", {
      provisioner: this.o.provisioner.name,
      policy: this.o.policies.map(describePolicy).join(";"),
      intervalMs: this.o.intervalMs,
    });
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    void this.tick();
  }

  /** Stops the loop, gives the lease up (another Manager takes over at once) and closes the provisioner. */
  async stop() {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    if (this.leading)
      await this.o.store
        .acquireLease({ name: LEASE, owner: this.o.managerId, nowMs: this.now(), ttlMs: 0 })
        .catch(() => undefined);
    await this.o.provisioner.close();
  }

  /** One pass over every region; a tick still running makes the next one a no-op. */
  tick(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? Promise.resolve();
    this.running = this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass() {
    try {
      const leading = await this.o.store.acquireLease({
        name: LEASE,
        owner: this.o.managerId,
        nowMs: this.now(),
        ttlMs: this.leaseMs,
      });
      if (this.storeDown) this.o.log.info("autoscaler reaches the store again");
      this.storeDown = false;
      if (leading !== this.leading) {
        this.leading = leading;
        this.lastState.clear();
        if (leading)
          this.o.log.info("autoscaler leads: this Manager scales the fleet", { managerId: this.o.managerId });
        else this.o.log.info("autoscaler follows: another Manager scales the fleet");
      }
      if (!leading || this.stopped) return;
      const provisioned = await this.o.provisioner.list();
      const servers = await this.o.store.listServers();
      for (const policy of this.o.policies) {
        if (this.stopped) return;
        await this.scaleRegion(
          policy,
          servers.filter((s) => s.region === policy.region),
          provisioned.filter((p) => p.region === policy.region),
        );
      }
    } catch (e) {
      if (!this.storeDown) this.o.log.warn("autoscaler pass failed; the room store may be down", { error: String(e) });
      this.storeDown = true;
    }
  }

  private async scaleRegion(policy: ScalePolicy, servers: GameServer[], provisioned: ProvisionedServer[]) {
    const region = policy.region;
    const inStore = new Set(servers.map((s) => s.id));
    const now = this.now();
    const booting: number[] = [];
    for (const p of provisioned) {
      if (inStore.has(p.serverId)) continue;
      if (now - p.startedAtMs <= this.o.bootTimeoutMs) {
        booting.push(p.maxRooms);
        continue;
      }
      // Never registered (or gone from the store and not back): not capacity, whatever it is doing.
      this.o.log.warn("started game server is not registered in time; stopping it", {
        region,
        serverId: p.serverId,
        bootTimeoutMs: this.o.bootTimeoutMs,
      });
      void this.o.provisioner
        .stop(p.serverId)
        .catch((e) => this.o.log.error("could not stop a game server", { serverId: p.serverId, error: String(e) }));
    }
    // Newest first: the longest-running servers stay.
    const owned = provisioned
      .filter((p) => inStore.has(p.serverId))
      .sort((a, b) => b.startedAtMs - a.startedAtMs)
      .map((p) => p.serverId);
    const d = decide(policy, { servers, booting, owned, newServerRooms: this.o.provisioner.expectedMaxRooms(region) });
    const fields = { region, ...d.capacity };
    if (d.kind === "none") {
      if (this.lastState.get(region) !== d.reason) {
        this.lastState.set(region, d.reason);
        if (d.reason === "at max")
          this.o.log.warn("autoscaler at max: the buffer is short and no server may be added", {
            ...fields,
            max: policy.max,
          });
        else this.o.log.debug("autoscaler steady", { ...fields, reason: d.reason });
      }
      return;
    }
    this.lastState.set(region, d.kind);
    if (d.kind === "up") {
      this.o.log.info("scaling up", { ...fields, add: d.add, why: d.reason });
      for (let i = 0; i < d.add; i++) {
        try {
          await this.o.provisioner.start(region);
        } catch (e) {
          this.o.log.error("could not start a game server", { region, error: String(e) });
          return;
        }
      }
      return;
    }
    const server = servers.find((s) => s.id === d.serverId)!;
    await this.scaleDown(server, d.reason, fields);
  }

  /** Drains an empty server in the store, makes sure it stayed empty, then has it stopped. */
  private async scaleDown(server: GameServer, why: string, fields: Record<string, unknown>) {
    const { id, epoch } = server;
    // From here no room can be placed on it: allocation and moves take LIVE servers only.
    if (!(await this.o.store.setServerState({ id, epoch, state: GameServerState.DRAINING }))) return; // registered again, or gone
    const now = await this.o.store.getServer(id);
    if (!now || now.epoch !== epoch) return;
    if (now.reservedRooms > 0) {
      // A room was placed between our look and the drain: keep the server.
      await this.o.store.setServerState({ id, epoch, state: GameServerState.LIVE });
      this.o.log.info("scale-down called off: a room landed on the server", { serverId: id, rooms: now.reservedRooms });
      return;
    }
    this.o.log.info("scaling down", { ...fields, serverId: id, why });
    this.o.store
      .publishEvent(
        create(ClusterEventSchema, {
          time: timestampNow(),
          kind: ClusterEventKind.SERVER_DRAINING,
          serverId: id,
          detail: `autoscaler: scale down (${why})`,
        }),
      )
      .catch((e) => this.o.log.debug("could not publish cluster event", { error: String(e) }));
    void this.o.provisioner
      .stop(id)
      .catch((e) => this.o.log.error("could not stop a game server", { serverId: id, error: String(e) }));
  }
}
