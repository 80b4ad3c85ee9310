import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type GameServer, GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, ClusterEventSchema } from "../gen/roomgate/v1/gateway_pb.js";
import type { Logger } from "../common/log.js";
import type { ClusterEvents, Leases, ServerRegistry } from "../common/store/store.js";

/** The autoscaler reads and drains servers, under a lease, and tells dashboards. */
export type AutoscalerStore = ServerRegistry & Leases & Pick<ClusterEvents, "publishEvent">;
import type { Provisioner, ProvisionedServer } from "./provisioner.js";

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

/** A region's buffer policy (AUTOSCALE_POLICY). */
export interface ScalePolicy {
  region: string;
  /** Free room slots to keep: a number of rooms, or a percentage of the region's room slots. */
  buffer: { rooms: number } | { percent: number };
  /** Servers the region keeps however idle (LIVE or booting). */
  min: number;
  /** Servers the region never exceeds (LIVE, SUSPECT or booting). */
  max: number;
}

export class PolicyError extends Error {}

const REGION = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Parses AUTOSCALE_POLICY: regions separated by `;`, each `region:key=value,...` with
 * `buffer` (rooms, or `N%` of the region's room slots), `min` (default 0) and `max`, e.g.
 * `eu:buffer=4,min=1,max=5;us:buffer=25%,max=10`.
 */
export function parsePolicies(text: string): ScalePolicy[] {
  const out: ScalePolicy[] = [];
  for (const part of text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(":");
    if (colon < 0) throw new PolicyError(`'${part}': expected region:buffer=N,min=N,max=N`);
    const region = part.slice(0, colon).trim();
    if (!REGION.test(region)) throw new PolicyError(`region '${region}' must be 1-64 of A-Z a-z 0-9 _ . -`);
    if (out.some((p) => p.region === region)) throw new PolicyError(`region '${region}' appears twice`);
    const fields = new Map<string, string>();
    for (const kv of part
      .slice(colon + 1)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = kv.indexOf("=");
      const key = eq < 0 ? kv : kv.slice(0, eq).trim();
      if (!["buffer", "min", "max"].includes(key))
        throw new PolicyError(`${region}: unknown key '${key}' (expected buffer, min, max)`);
      if (eq < 0) throw new PolicyError(`${region}: ${key} needs a value (${key}=N)`);
      if (fields.has(key)) throw new PolicyError(`${region}: ${key} given twice`);
      fields.set(key, kv.slice(eq + 1).trim());
    }
    const whole = (key: string, value: string | undefined, fallback?: number) => {
      if (value === undefined) {
        if (fallback === undefined) throw new PolicyError(`${region}: ${key} is required`);
        return fallback;
      }
      if (!/^\d+$/.test(value)) throw new PolicyError(`${region}: ${key} must be a whole number >= 0, got '${value}'`);
      return Number(value);
    };
    const raw = fields.get("buffer");
    if (raw === undefined)
      throw new PolicyError(`${region}: buffer is required (rooms, or N% of the region's room slots)`);
    let buffer: ScalePolicy["buffer"];
    if (raw.endsWith("%")) {
      const percent = Number(raw.slice(0, -1));
      if (!/^\d+(\.\d+)?%$/.test(raw) || !(percent > 0 && percent < 100))
        throw new PolicyError(`${region}: a percentage buffer must be above 0% and below 100%, got '${raw}'`);
      buffer = { percent };
    } else {
      buffer = { rooms: whole("buffer", raw) };
    }
    const min = whole("min", fields.get("min"), 0);
    const max = whole("max", fields.get("max"));
    if (max < 1) throw new PolicyError(`${region}: max must be at least 1`);
    if (min > max) throw new PolicyError(`${region}: min (${min}) is above max (${max})`);
    out.push({ region, buffer, min, max });
  }
  if (out.length === 0) throw new PolicyError("names no region");
  return out;
}

/** The policy as text, for logs. */
export function describePolicy(p: ScalePolicy): string {
  return `${p.region}:buffer=${"rooms" in p.buffer ? p.buffer.rooms : `${p.buffer.percent}%`},min=${p.min},max=${p.max}`;
}

/** Free room slots the policy wants when the region has `total` slots (at least one for a percentage). */
export function wantedFree(p: ScalePolicy, total: number): number {
  return "rooms" in p.buffer ? p.buffer.rooms : Math.max(1, Math.ceil((p.buffer.percent * total) / 100));
}

/** One region as the autoscaler sees it at one tick. */
export interface RegionFleet {
  /** The region's servers in the store. */
  servers: Pick<GameServer, "id" | "state" | "maxRooms" | "reservedRooms">[];
  /** Room slots of each server the provisioner started that has not registered yet. */
  booting: number[];
  /** Servers the provisioner started and may stop, the preferred first. */
  owned: string[];
  /** Room slots of a server started now. */
  newServerRooms: number;
}

export interface Capacity {
  /** LIVE, SUSPECT and booting servers: what max limits. */
  servers: number;
  /** LIVE and booting servers: what min keeps. */
  healthy: number;
  booting: number;
  /** Free room slots on LIVE servers plus every slot of booting ones. */
  free: number;
  /** Room slots of LIVE and booting servers. */
  total: number;
  /** The buffer in room slots at this total. */
  wanted: number;
}

export type Decision =
  | { kind: "none"; reason: "buffer met" | "at max" | "booting"; capacity: Capacity }
  | { kind: "up"; add: number; reason: string; capacity: Capacity }
  | { kind: "down"; serverId: string; reason: string; capacity: Capacity };

/**
 * What one region needs now, a pure function of the policy and the fleet: start servers until the
 * buffer holds (up to max; at least min), or remove one empty owned server whose slots the buffer
 * can spare (above min), or the excess over max. Nothing is removed while servers boot: their
 * slots are only expected, and a load that just rose may need them.
 */
export function decide(p: ScalePolicy, f: RegionFleet): Decision {
  const live = f.servers.filter((s) => s.state === GameServerState.LIVE);
  const suspect = f.servers.filter((s) => s.state === GameServerState.SUSPECT).length;
  const bootingRooms = f.booting.reduce((a, b) => a + b, 0);
  const free = live.reduce((a, s) => a + Math.max(0, s.maxRooms - s.reservedRooms), 0) + bootingRooms;
  const total = live.reduce((a, s) => a + s.maxRooms, 0) + bootingRooms;
  const capacity: Capacity = {
    servers: live.length + suspect + f.booting.length,
    healthy: live.length + f.booting.length,
    booting: f.booting.length,
    free,
    total,
    wanted: wantedFree(p, total),
  };
  const room = Math.max(0, p.max - capacity.servers);
  const perServer = Math.max(1, f.newServerRooms);
  let add = Math.min(room, Math.max(0, p.min - capacity.healthy));
  while (add < room && free + add * perServer < wantedFree(p, total + add * perServer)) add++;
  if (add > 0) {
    const reason =
      capacity.healthy < p.min
        ? `${capacity.healthy} servers, below min ${p.min}`
        : `${free} free room slots, below the buffer of ${capacity.wanted}`;
    return { kind: "up", add, reason, capacity };
  }
  if (free < capacity.wanted) return { kind: "none", reason: "at max", capacity };
  if (capacity.booting > 0) return { kind: "none", reason: "booting", capacity };
  const byId = new Map(live.map((s) => [s.id, s]));
  const empty = f.owned.map((id) => byId.get(id)).filter((s) => s !== undefined && s.reservedRooms === 0);
  if (capacity.servers > p.max && empty[0]) {
    return { kind: "down", serverId: empty[0].id, reason: `${capacity.servers} servers, above max ${p.max}`, capacity };
  }
  if (capacity.healthy <= p.min) return { kind: "none", reason: "buffer met", capacity };
  for (const s of empty) {
    const left = free - s!.maxRooms;
    const want = wantedFree(p, total - s!.maxRooms);
    if (left >= want) {
      return {
        kind: "down",
        serverId: s!.id,
        reason: `${free} free room slots; ${left} without it, the buffer is ${want}`,
        capacity,
      };
    }
  }
  return { kind: "none", reason: "buffer met", capacity };
}

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
