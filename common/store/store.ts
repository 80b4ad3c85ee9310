import type { GameServer, GameServerState, Room, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";

// The one place that knows where rooms live and how much capacity each server has left. Two
// implementations keep the same contract (store.contract.test.ts runs against both): Redis for
// every multi-process deployment, memory for the one-process default.

export interface ServerRegistration {
  id: string;
  address: string;
  region: string;
  /** "" for none; also counts as the label "zone". */
  zone: string;
  labels: Labels;
  maxRooms: number;
  maxPlayers: number;
  reportIntervalMs: number;
  /** The Manager that holds the server's Attach stream. */
  managerId: string;
  nowMs: number;
  /** When the server counts as dead unless it reports again (see recordLoad). */
  expiresAtMs: number;
}

/**
 * How a server is chosen among those that fit: `distributed` takes the one with the most free
 * seats (spreads load), `packed` the one with the fewest that still fit (fills servers up, so
 * idle ones can be removed). Both are O(log n) in the number of servers in the Redis store.
 */
export type PlacementStrategy = "distributed" | "packed";

export const PLACEMENT_STRATEGIES: readonly PlacementStrategy[] = ["distributed", "packed"];

export type Labels = Record<string, string>;

/** Where a room may go: the store picks among LIVE servers, so every Manager sees the same fleet. */
export interface Placement {
  strategy: PlacementStrategy;
  /** Regions to try, best first; servers in any region are used only when none of them fits. */
  regions: string[];
  /** Labels the server must have (a server's zone counts as the label "zone"). */
  labels: Labels;
  /** Servers not to use (they failed to open this room just now). */
  excluded: string[];
  seats: number;
  nowMs: number;
}

/** What a room is besides where it lives (see Room in common.proto). */
export interface RoomSpec {
  visibility: RoomVisibility;
  mode: string;
  metadata: Labels;
}

export interface AllocateInput extends Placement, RoomSpec {
  roomId: string;
  creatorPlayerId: string;
  /** Idempotency key; a second allocation with the same key returns the first room. */
  requestId?: string;
  idempotencyTtlMs: number;
  /** After this the room, still OPENING, may be reclaimed by any Manager (its own died). */
  openDeadlineMs: number;
  /** The creator's seat is held until then (when its join token expires). */
  holdUntilMs: number;
}

/**
 * A seat for a player about to join: held until its join token expires or the player is in the
 * room (setRoomPlayers names it). Free seats = max_players - seats taken - seats held.
 */
export interface SeatRequest {
  playerId: string;
  untilMs: number;
  nowMs: number;
}

export type HoldResult =
  | { kind: "held"; room: Room }
  | { kind: "full"; room: Room }
  /** OPENING or MOVING: nobody can join it right now. */
  | { kind: "unavailable"; room: Room }
  | { kind: "missing" };

/** Which public rooms a quick-join may fill: same mode, size and labels. */
export interface QuickJoin extends SeatRequest {
  mode: string;
  maxPlayers: number;
  labels: Labels;
  /** Regions to look in, best first; empty for any. */
  regions: string[];
}

export interface RoomQuery {
  /** "" for any. */
  mode: string;
  region: string;
  includeFull: boolean;
  limit: number;
  /** The cursor a previous page returned. */
  after?: string;
  nowMs: number;
}

export type AllocateResult =
  | { kind: "created"; room: Room }
  | { kind: "existing"; room: Room }
  /** Live servers exist but none has a free room slot and enough free seats. */
  | { kind: "full" }
  /** No LIVE server at all (outside the excluded ones). */
  | { kind: "none" }
  /** The room id is taken; the caller must pick another id. Never overwrites. */
  | { kind: "collision" };

export type MoveResult =
  /** Reserved on a new server (state still MOVING until finishMove). */
  | { kind: "placed"; room: Room }
  /** No server fits now; movingSinceMs says how long the room has been waiting. */
  | { kind: "full"; movingSinceMs: number }
  | { kind: "none"; movingSinceMs: number }
  /** The room is no longer moving (it was deleted, or another Manager finished the move). */
  | { kind: "gone" };

export interface RemovedServer {
  /** Rooms that now wait to move to another server (state MOVING, claimable at once). */
  moving: string[];
  /** Rooms that were never confirmed open; removed outright. */
  dropped: string[];
}

/**
 * A room's life: OPENING (placed, not confirmed) -> OPEN -> MOVING (its server died or handed it
 * over; re-placed under the same id) -> OPEN ... until deleted. Reservations always follow
 * serverId, so capacity is never counted twice or leaked.
 */
export interface RoomStore {
  /** Creates or refreshes a server as LIVE, bumps its epoch, keeps its reservations. */
  registerServer(reg: ServerRegistration): Promise<{ epoch: number; roomIds: string[] }>;
  getServer(id: string): Promise<GameServer | undefined>;
  listServers(): Promise<GameServer[]>;
  /** Changes state only while the server is still in the given epoch. */
  setServerState(id: string, epoch: number, state: GameServerState): Promise<boolean>;
  /** A report arrived: records it and pushes the server's death to expiresAtMs. False when the epoch is not current. */
  recordLoad(id: string, epoch: number, players: number, nowMs: number, expiresAtMs: number): Promise<boolean>;
  /** Servers whose expiry has passed, oldest first: O(log n) in the number of servers, not a scan. */
  expiredServers(nowMs: number, limit: number): Promise<{ id: string; epoch: number }[]>;
  /**
   * Deletes a server if it is still in the given epoch (a server that re-registered meanwhile is
   * left alone). Its open rooms become MOVING; rooms never confirmed are removed. Undefined when
   * the epoch did not match, so of several Managers exactly one does the work.
   */
  removeServer(id: string, epoch: number, nowMs: number): Promise<RemovedServer | undefined>;

  /** Atomically picks the best fitting LIVE server, reserves a room slot and its seats, and maps the room as OPENING. */
  allocateRoom(input: AllocateInput): Promise<AllocateResult>;
  /** The server opened the room: OPENING becomes OPEN. True when the room is open on that server. */
  confirmRoom(roomId: string, serverId: string, nowMs: number): Promise<boolean>;
  /** OPENING rooms past their deadline, leased to the caller for leaseMs so no other Manager takes them too. */
  claimExpiredOpening(nowMs: number, leaseMs: number, limit: number): Promise<Room[]>;
  /** The room, its free seats counted at nowMs (default: now). */
  getRoom(roomId: string, nowMs?: number): Promise<Room | undefined>;
  /** The server's seat count for the room; joined players' held seats become taken ones. */
  setRoomPlayers(roomId: string, serverId: string, count: number, joinedPlayerIds: string[], nowMs: number): Promise<boolean>;
  /** Holds a seat in an OPEN room (rejoin: even when full, the player's seat is its own). */
  holdSeat(roomId: string, seat: SeatRequest & { rejoin: boolean }): Promise<HoldResult>;
  /**
   * Holds a seat in a public room that matches, in the first region that has one, fullest room
   * first; O(log n) in the number of rooms. The room may still be OPENING (another quick-join is
   * creating it): the caller waits for it to open. Undefined when none has a free seat.
   */
  joinPublic(q: QuickJoin): Promise<Room | undefined>;
  /** Public rooms (OPEN or MOVING), newest first, from indexes kept per mode and region. */
  listRooms(q: RoomQuery): Promise<{ rooms: Room[]; next?: string }>;
  /** Removes the mapping, its snapshot and its reservation; with serverId, only if the room is still on that server. */
  deleteRoom(roomId: string, serverId?: string): Promise<boolean>;
  listServerRooms(serverId: string): Promise<string[]>;

  /** Keeps the room's latest snapshot, if the room is open on that server. */
  saveSnapshot(roomId: string, serverId: string, snapshot: Uint8Array): Promise<boolean>;
  getSnapshot(roomId: string): Promise<Uint8Array | undefined>;
  /**
   * The room leaves its server to be moved (drain, or a server that came back without it):
   * releases the reservation, saves the snapshot if given, and leases the move to the caller.
   */
  handOver(roomId: string, serverId: string, snapshot: Uint8Array | undefined, nowMs: number, leaseMs: number): Promise<boolean>;
  /** MOVING rooms nobody holds a lease on, leased to the caller for leaseMs. */
  claimMoving(nowMs: number, leaseMs: number, limit: number): Promise<string[]>;
  /** Reserves a MOVING room (its own seats) on the best fitting LIVE server, releasing any earlier tentative one. */
  /** The room keeps the regions and labels it was created with. */
  moveRoom(roomId: string, placement: Omit<Placement, "seats" | "regions" | "labels">): Promise<MoveResult>;
  /** The new server opened the moved room: MOVING becomes OPEN. */
  finishMove(roomId: string, serverId: string, nowMs: number): Promise<boolean>;
  /** Lets the move be claimed again at untilMs (no server had room). */
  deferMove(roomId: string, untilMs: number): Promise<void>;

  /**
   * Says this Manager is alive for ttlMs more (0: it is leaving). Servers whose stream is held by a
   * Manager that stopped saying so get no new rooms: nobody could tell them.
   */
  heartbeat(managerId: string, nowMs: number, ttlMs: number): Promise<void>;

  /** Tells every current subscriber, in any process, what happened. At most once; for dashboards. */
  publishEvent(event: ClusterEvent): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribeEvents(listener: (event: ClusterEvent) => void): Promise<() => void>;
  /** The Managers' own channel (commands for game servers, acknowledgements). At most once. */
  publishBus(message: Uint8Array): Promise<void>;
  subscribeBus(listener: (message: Uint8Array) => void): Promise<() => void>;
  /**
   * Takes the named lease for ttlMs, or renews it when `owner` already holds it; false while
   * another owner holds it. Work that one process at a time may do (the autoscaler) runs while
   * its lease is held. ttlMs 0 gives the lease up, if `owner` holds it (and returns false).
   * Redis times the lease with its own clock; the memory store with nowMs.
   */
  acquireLease(name: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How full a server is, 0..1: the larger of its room and seat reservations. */
export function serverLoad(s: { reservedRooms: number; reservedSeats: number; maxRooms: number; maxPlayers: number }): number {
  const rooms = s.maxRooms > 0 ? s.reservedRooms / s.maxRooms : 1;
  const seats = s.maxPlayers > 0 ? s.reservedSeats / s.maxPlayers : 1;
  return Math.max(rooms, seats);
}

/** Canonical form of a label set: sorted keys, so equal sets compare (and hash) equal. */
export function canonicalLabels(labels: Labels): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** Rooms a quick-join may fill share mode, size and labels: this names that group. */
export function quickJoinKey(mode: string, maxPlayers: number, labels: Labels): string {
  return `${mode}\n${maxPlayers}\n${canonicalLabels(labels)}`;
}

/** A listing cursor, "<creation ms>.<room id>" (room ids hold no dots): the last room of a page. */
export function listCursor(createdMs: number | string, roomId: string): string {
  return `${createdMs}.${roomId}`;
}

export function parseListCursor(cursor: string): { createdMs: string; roomId: string } {
  const dot = cursor.indexOf(".");
  return { createdMs: cursor.slice(0, dot), roomId: cursor.slice(dot + 1) };
}

/** A server's labels as placement matches them: its own plus its zone. */
export function serverLabels(labels: Labels, zone: string): Labels {
  return zone ? { ...labels, zone } : { ...labels };
}

export function hasLabels(have: Labels, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

export function fits(s: { reservedRooms: number; reservedSeats: number; maxRooms: number; maxPlayers: number }, seats: number): boolean {
  return s.reservedRooms + 1 <= s.maxRooms && s.reservedSeats + seats <= s.maxPlayers;
}
