import type { Room, RoomVisibility } from "../../gen/roomgate/v1/common_pb.js";
import type { Holder, OverCap } from "./caps.js";
import type { Labels, Placement } from "./placement.js";

// A room's placement and lifecycle: allocated OPENING on a server, confirmed OPEN, reclaimed when
// its opening stalls, deleted. (Moving rooms: migration.ts.)

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
  /**
   * The room may open on its first join token, if the chosen server does that (see
   * GameServer.opens_on_token); it is then reclaimed after tokenOpenDeadlineMs instead, when
   * nobody came. Unset: every room is opened with open_room.
   */
  tokenOpenDeadlineMs?: number;
  /**
   * Place only on a server that opens rooms on their first join token (with tokenOpenDeadlineMs):
   * when the best server must be asked to open the room, answer `needs_open` and write nothing.
   * The Gateway places this way; only a Manager can ask a server to open a room.
   */
  tokenOpenOnly?: boolean;
  /** The creator's seat is held until then (when its join token expires). */
  holdUntilMs: number;
  /**
   * Who the room and the creator's seat count against: the room until holdUntilMs unless a
   * player joins it first, the seat until the creator uses it. Unset: no caps.
   */
  owner?: Holder;
}

export type AllocateResult =
  /** opensOnToken: its server opens it on the first join token (the room stays OPENING until then). */
  | { kind: "created"; room: Room; opensOnToken: boolean }
  | { kind: "existing"; room: Room }
  /** tokenOpenOnly: the best server opens rooms only when asked (open_room); nothing was written. */
  | { kind: "needs_open" }
  /** Live servers exist but none has a free room slot and enough free seats. */
  | { kind: "full" }
  /** No LIVE server at all (outside the excluded ones). */
  | { kind: "none" }
  /**
   * A server that fits is live, but the Manager holding its stream is not heard from (dead, or not
   * back on the store yet after an outage): nobody could tell it to open the room. Another Manager
   * may hold it; ask again there.
   */
  | { kind: "unreached" }
  /**
   * The room id is taken; the caller must pick another id. Never overwrites. roomId: the id as the
   * store keeps it, when the store renamed the room (a cell store names the cell in the id).
   */
  | { kind: "collision"; roomId?: string }
  /** The owner is at one of its caps; nothing was made. */
  | OverCap;

/** A room as it lives on one server: calls naming the server change nothing once it moved. */
export interface RoomOnServer {
  roomId: string;
  serverId: string;
}

/**
 * A room's first join token, used at the room's own server (which opened the room on it): the
 * token to spend, and the seat count once its player is in (1, with `playerId` joined).
 */
export interface TokenOpen extends RoomOnServer {
  tokenId: string;
  /** The token's expiry: it stays spent until then. */
  untilMs: number;
  playerId: string;
  count: number;
  nowMs: number;
}

/**
 * opened: the token was fresh and the room is OPEN on that server with the seat recorded; spent:
 * the token was used already (nothing else changed); gone: the token is now spent, but the store
 * no longer maps the room OPENING or OPEN on that server (reclaimed, or moved on), so nothing was recorded.
 */
export type TokenOpenResult = "opened" | "spent" | "gone";

/** Work taken under a lease: due items, leased to the caller for leaseMs so no other Manager takes them too. */
export interface Claim {
  nowMs: number;
  leaseMs: number;
  limit: number;
}

/**
 * A room's life: OPENING (placed, not confirmed) -> OPEN -> MOVING (its server died or handed it
 * over; re-placed under the same id) -> OPEN ... until deleted. Reservations always follow
 * serverId, so capacity is never counted twice or leaked. A room placed on a server that opens
 * rooms on their first join token is promised from the start: while OPENING it takes seats
 * (holdSeat) and moves with its server's failure like an OPEN one, rather than being dropped.
 */
export interface Rooms {
  /** Atomically picks the best fitting LIVE server, reserves a room slot and its seats, and maps the room as OPENING. */
  allocateRoom(input: AllocateInput): Promise<AllocateResult>;
  /** The server opened the room (answered open_room, or opened it on a token): OPENING becomes OPEN. True when the room is open on that server. */
  confirmRoom(r: RoomOnServer & { nowMs: number }): Promise<boolean>;
  /**
   * The room's own server opened it on its first join token: spends the token and, guarded as
   * confirmRoom is, records the room OPEN with the token's player seated (setRoomPlayers), in one
   * step. What confirmRoom, setRoomPlayers and spendToken would do in turn, for one store call.
   */
  openRoomOnToken(t: TokenOpen): Promise<TokenOpenResult>;
  /** OPENING rooms past their deadline, leased to the caller. */
  claimExpiredOpening(c: Claim): Promise<Room[]>;
  /** The room, its free seats counted at nowMs (default: now). */
  getRoom(roomId: string, nowMs?: number): Promise<Room | undefined>;
  /** Removes the mapping, its snapshot and its reservation; with serverId, only if the room is still on that server. */
  deleteRoom(roomId: string, serverId?: string): Promise<boolean>;
  /** Rooms OPENING and MOVING now (for metrics): the sizes of the store's work queues, O(1) in Redis. */
  countRooms(): Promise<{ opening: number; moving: number }>;
}
