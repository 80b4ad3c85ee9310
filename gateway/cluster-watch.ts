import { clone, create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { type Room, RoomSchema, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import {
  type ClusterEvent,
  ClusterEventSchema,
  type GatewayActivity,
  type WatchClusterResponse,
  WatchClusterResponseSchema,
} from "../gen/roomgate/v1/gateway_pb.js";
import type { ClusterEvents, Migration, Rooms, ServerRegistry } from "../common/store/store.js";
import { abortableWait } from "@roomgate/client/protocol/abortable-wait";

/** What a cluster watch reads: servers, their rooms, moving rooms, and the events (recent and new). */
export type WatchStore = Pick<ServerRegistry, "listServers" | "listServerRooms"> &
  Pick<Rooms, "getRoom" | "countRooms"> &
  Pick<Migration, "listMoving"> &
  Pick<ClusterEvents, "subscribeEvents" | "recentEvents">;

export interface WatchLimits {
  /** Most rooms listed in one snapshot (all are counted). */
  maxRooms: number;
  /** Events are coalesced for this long, so a burst costs one snapshot, not hundreds. */
  minGapMs: number;
  /** Events kept for a slow watcher; older ones are dropped. */
  maxPendingEvents: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { maxRooms: 200, minGapMs: 200, maxPendingEvents: 1000 };

/** One snapshot of the cluster from the store. */
export async function snapshot(
  store: WatchStore,
  events: ClusterEvent[],
  limits: WatchLimits,
): Promise<WatchClusterResponse> {
  const [servers, counts] = await Promise.all([store.listServers(), store.countRooms()]);
  const perServer = await Promise.all(servers.map((s) => store.listServerRooms(s.id)));
  const onServers = perServer.flat();
  // Moving rooms that no server holds yet are in no server's set: listed from the move queue.
  const placed = new Set(onServers);
  const waiting = counts.moving > 0 ? (await store.listMoving(limits.maxRooms)).filter((id) => !placed.has(id)) : [];
  const ids = [...onServers, ...waiting];
  const rooms = (await Promise.all(ids.slice(0, limits.maxRooms).map((id) => store.getRoom(id)))).filter(
    (r): r is Room => !!r,
  );
  return create(WatchClusterResponseSchema, {
    time: timestampNow(),
    servers,
    rooms,
    totalRooms: ids.length,
    totalPlayers: servers.reduce((n, s) => n + s.players, 0),
    events,
    roomsMoving: counts.moving,
  });
}

/**
 * A private room's id is all JoinRoom needs, so the stream never carries one: private rooms are
 * listed without it, and an event names a room only when this watcher saw that room public, in
 * this snapshot or the one before (the others go without it). Returns the rooms seen public now.
 * Rooms and events are copied first: the store and the other watchers share them.
 */
export function hidePrivateIds(res: WatchClusterResponse, seenPublic: ReadonlySet<string>): Set<string> {
  const nowPublic = new Set(res.rooms.filter((r) => r.visibility === RoomVisibility.PUBLIC).map((r) => r.roomId));
  res.rooms = res.rooms.map((r) => (nowPublic.has(r.roomId) ? r : { ...clone(RoomSchema, r), roomId: "" }));
  res.events = res.events.map((e) =>
    !e.roomId || nowPublic.has(e.roomId) || seenPublic.has(e.roomId)
      ? e
      : { ...clone(ClusterEventSchema, e), roomId: "" },
  );
  return nowPublic;
}

export interface WatchOptions {
  maxIntervalMs: number;
  /** Start with the events the store still keeps. */
  recentEvents?: boolean;
  limits?: WatchLimits;
  /** This Gateway's quick-join and listing counts, put in every snapshot. */
  activity?: () => GatewayActivity;
}

/**
 * Snapshots for one watcher, private room ids hidden: one at once (with the recent events, if
 * asked), then one after each burst of events and at least every maxIntervalMs, until the signal
 * aborts.
 */
export async function* watchCluster(store: WatchStore, o: WatchOptions, signal: AbortSignal) {
  const limits = o.limits ?? DEFAULT_WATCH_LIMITS;
  const pending: ClusterEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await store.subscribeEvents((e) => {
    pending.push(e);
    if (pending.length > limits.maxPendingEvents) pending.splice(0, pending.length - limits.maxPendingEvents);
    wake?.();
  });
  let seenPublic = new Set<string>();
  try {
    // Read after subscribing, so nothing falls between the two; what both hold is listed once.
    if (o.recentEvents) pending.splice(0, pending.length, ...withoutRepeats(await store.recentEvents(), pending));
    while (!signal.aborted) {
      const res = await snapshot(store, pending.splice(0), limits);
      if (o.activity) res.activity = o.activity();
      seenPublic = hidePrivateIds(res, seenPublic);
      yield res;
      await abortableWait(signal, o.maxIntervalMs, (w) => {
        if (pending.length > 0)
          w(); // events arrived while the snapshot was being built
        else wake = w;
      });
      wake = undefined;
      if (pending.length > 0) await abortableWait(signal, limits.minGapMs);
    }
  } finally {
    unsubscribe();
  }
}

/** The recent events, then the new ones that are not among them (the same event: every field equal). */
function withoutRepeats(recent: ClusterEvent[], fresh: ClusterEvent[]): ClusterEvent[] {
  const key = (e: ClusterEvent) => Buffer.from(toBinary(ClusterEventSchema, e)).toString("base64");
  const seen = new Set(recent.map(key));
  return [...recent, ...fresh.filter((e) => !seen.has(key(e)))];
}
