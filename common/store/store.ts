import type { GameServer, GameServerState, Room } from "../../gen/roomgate/v1/common_pb.js";
import type { ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";

// The one place that knows where rooms live and how much capacity each server has left. Two
// implementations keep the same contract (store.contract.test.ts runs against both): Redis for
// every multi-process deployment, memory for the one-process default.

export interface ServerRegistration {
  id: string;
  address: string;
  region: string;
  maxRooms: number;
  maxPlayers: number;
  reportIntervalMs: number;
  nowMs: number;
}

export interface Candidate {
  serverId: string;
  /** Lower tiers are preferred; a higher tier is used only when no server of a lower one fits. */
  tier: number;
}

export interface AllocateInput {
  roomId: string;
  /** Ordered by tier. Only servers whose stored state is LIVE are considered. */
  candidates: Candidate[];
  maxPlayers: number;
  creatorPlayerId: string;
  /** Idempotency key; a second allocation with the same key returns the first room. */
  requestId?: string;
  idempotencyTtlMs: number;
  nowMs: number;
}

export type AllocateResult =
  | { kind: "created"; room: Room }
  | { kind: "existing"; room: Room }
  /** No candidate had a free room slot and enough free seats. */
  | { kind: "full" }
  /** The room id is taken; the caller must pick another id. Never overwrites. */
  | { kind: "collision" };

export interface RoomStore {
  /** Creates or refreshes a server as LIVE, bumps its epoch, keeps its reservations. */
  registerServer(reg: ServerRegistration): Promise<{ epoch: number; roomIds: string[] }>;
  getServer(id: string): Promise<GameServer | undefined>;
  listServers(): Promise<GameServer[]>;
  /** Changes state only while the server is still in the given epoch. */
  setServerState(id: string, epoch: number, state: GameServerState): Promise<boolean>;
  recordLoad(id: string, epoch: number, players: number, nowMs: number): Promise<boolean>;
  /**
   * Deletes a server and every room mapped to it, if it is still in the given epoch (a server
   * that re-registered meanwhile is left alone). Returns the removed room ids, or undefined.
   */
  removeServer(id: string, epoch: number): Promise<string[] | undefined>;

  /** Atomically picks the least-loaded fitting candidate, reserves a room slot and its seats, and maps the room. */
  allocateRoom(input: AllocateInput): Promise<AllocateResult>;
  getRoom(roomId: string): Promise<Room | undefined>;
  setRoomPlayers(roomId: string, serverId: string, count: number): Promise<boolean>;
  /** Removes the mapping and frees its reservation; with serverId, only if the room is still on that server. */
  deleteRoom(roomId: string, serverId?: string): Promise<boolean>;
  listServerRooms(serverId: string): Promise<string[]>;

  /** Tells every current subscriber, in any process, what happened. At most once; for dashboards. */
  publishEvent(event: ClusterEvent): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes. */
  subscribeEvents(listener: (event: ClusterEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** How full a server is, 0..1: the larger of its room and seat reservations. */
export function serverLoad(s: { reservedRooms: number; reservedSeats: number; maxRooms: number; maxPlayers: number }): number {
  const rooms = s.maxRooms > 0 ? s.reservedRooms / s.maxRooms : 1;
  const seats = s.maxPlayers > 0 ? s.reservedSeats / s.maxPlayers : 1;
  return Math.max(rooms, seats);
}

export function fits(s: { reservedRooms: number; reservedSeats: number; maxRooms: number; maxPlayers: number }, seats: number): boolean {
  return s.reservedRooms + 1 <= s.maxRooms && s.reservedSeats + seats <= s.maxPlayers;
}
