import { ClusterEventKind, type ClusterEvent } from "../gen/roomgate/v1/gateway_pb.js";
import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import type { RoomStore } from "../common/store/store.js";
import type { Cluster, LogLine } from "../testkit/cluster.js";
import type { Opening } from "./copies.js";
import type { CreatorFailure } from "./creator.js";

// What the chaos report needs to explain a failure by itself: the phase of the fault each client
// error fell in (and whether Redis was down then), and, for each room given up, what the cluster
// said about it (its events, and the Managers' and servers' warnings that name it).

/** Times of one fault window, ms since the epoch. */
export interface FaultTimes {
  start: number;
  injected: number;
  back: number;
  /** Redis down (halted) until every process that lost it had its connection back. */
  redisDown?: { from: number; until: number };
  /** A Gateway cut off from every Manager, until it served again. */
  gatewayCut?: { gateway: number; from: number; until: number };
}

export interface ClientErrorRecord {
  /** Connect code name (unavailable, not_found, ...), or "join" when the game server never welcomed. */
  code: string;
  message: string;
  /** Where in the fault it failed: "inject" (the fault under way), "recovery" (until every player was back) or "after". */
  phase: string;
  /** The attempt overlapped the Redis-down window: inherent (nothing is placed without the store). */
  redisDown: boolean;
  /**
   * Why the failure was inherent, if it was: "Redis down", or "Gateway cut off" for an attempt
   * through a Gateway while it could reach no Manager (the other Gateway is the client's way out).
   */
  inherent?: string;
  /** When it was made and when it failed, ms since the fault began. */
  startedMs: number;
  failedMs: number;
  /** When the message names a room: what the cluster said about that room (see roomTrace). */
  why?: string[];
}

export interface LostRoom {
  roomId: string;
  /** Why it was given up, as the cluster told it, oldest first. */
  why: string[];
}

export function classify(f: CreatorFailure, t: FaultTimes): ClientErrorRecord {
  const phase = f.failedAt < t.injected ? "inject" : f.failedAt < t.back ? "recovery" : "after";
  const redisDown = t.redisDown !== undefined && f.startedAt <= t.redisDown.until && f.failedAt >= t.redisDown.from;
  const g = t.gatewayCut;
  const gatewayCut = g !== undefined && f.gateway === g.gateway && f.startedAt <= g.until && f.failedAt >= g.from;
  return {
    code: f.code,
    message: f.message,
    phase,
    redisDown,
    ...((redisDown || gatewayCut) && { inherent: redisDown ? "Redis down" : "Gateway cut off" }),
    startedMs: f.startedAt - t.start,
    failedMs: f.failedAt - t.start,
  };
}

/** The end of a Redis outage: the last "store connection restored" logged after it began. */
export function redisBackAt(cluster: Cluster, downAt: number, upAt: number): number {
  let until = upAt;
  for (const p of cluster.procs) {
    for (const l of p.lines) {
      const at = Date.parse(String(l.time));
      if (l.msg === "store connection restored" && at >= downAt) until = Math.max(until, at);
    }
  }
  return until;
}

interface Seen {
  atMs: number;
  kind: string;
  serverId: string;
  detail: string;
}

const show = (e: Seen) =>
  `+${(e.atMs / 1000).toFixed(2)} s ${e.kind}${e.serverId ? ` ${e.serverId}` : ""}${e.detail ? `: ${e.detail}` : ""}`;

/** Every cluster event, by room and by server, for as long as the run lasts. */
export class EventLog {
  private readonly byId = new Map<string, Seen[]>();
  private unsubscribe?: () => void;

  constructor(private readonly started: number) {}

  async start(store: Pick<RoomStore, "subscribeEvents">) {
    this.unsubscribe = await store.subscribeEvents((e) => this.add(e));
  }

  private add(e: ClusterEvent) {
    const seen: Seen = {
      atMs: Date.now() - this.started,
      kind: ClusterEventKind[e.kind] ?? String(e.kind),
      serverId: e.serverId,
      detail: e.detail,
    };
    for (const id of new Set([e.roomId, e.serverId])) {
      if (!id) continue;
      const list = this.byId.get(id) ?? [];
      if (list.length < 50) list.push(seen);
      this.byId.set(id, list);
    }
  }

  of(id: string): Seen[] {
    return this.byId.get(id) ?? [];
  }

  /** Where the store put the room, and when the harness heard of it (ms since the epoch). */
  openings(roomId: string): Opening[] {
    return this.of(roomId)
      .filter((e) => e.kind === "ROOM_ALLOCATED" || e.kind === "ROOM_MIGRATED")
      .map((e) => ({ at: this.started + e.atMs, serverId: e.serverId }));
  }

  stop() {
    this.unsubscribe?.();
  }
}

/** Why a room counted as lost: the store's record now, its events, its servers' removals, and warnings naming it. */
export async function explainLoss(
  roomId: string,
  store: Pick<RoomStore, "getRoom">,
  events: EventLog,
  cluster: Cluster,
  playerView: string[],
): Promise<LostRoom> {
  const room = await store.getRoom(roomId).catch(() => undefined);
  const why = [room ? `store: ${RoomState[room.state]} on ${room.serverId}` : "store: no such room", ...playerView];
  why.push(...roomTrace(roomId, events, cluster, (l) => l.level === "warn" || l.level === "error"));
  return { roomId, why };
}

/**
 * What the cluster said about one room: its events, the removals of the servers it was on, and the
 * log lines naming it that `keep` selects (the last 8 of each process).
 */
export function roomTrace(
  roomId: string,
  events: EventLog,
  cluster: Cluster,
  keep: (l: LogLine) => boolean = () => true,
) {
  const why: string[] = [];
  const roomEvents = events.of(roomId);
  why.push(...roomEvents.map(show));
  for (const s of new Set(roomEvents.map((e) => e.serverId).filter(Boolean))) {
    why.push(
      ...events
        .of(s)
        .filter((e) => e.kind === "SERVER_REMOVED")
        .map(show),
    );
  }
  const named = (l: LogLine) => l.roomId === roomId && keep(l);
  for (const p of cluster.procs)
    for (const l of p.lines.filter(named).slice(-8))
      why.push(`${p.name} ${String(l.time ?? "")} ${l.level}: ${l.msg}${l.error ? ` (${String(l.error)})` : ""}`);
  return why;
}

/** The room a client error names, if any (room ids are 22 url-safe characters). */
export const roomNamed = (message: string) => /\broom ([A-Za-z0-9_-]{22})\b/.exec(message)?.[1];
