import { type GameServer, GameServerState } from "../gen/roomgate/v1/common_pb.js";

// The autoscaler's policy (AUTOSCALE_POLICY): its syntax, and the pure decision of what one region
// needs at one tick; the loop that acts on it is in autoscaler.ts.

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
