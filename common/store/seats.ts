import type { Room } from "../../gen/roomgate/v1/common_pb.js";
import type { Holder, OverCap } from "./caps.js";
import type { Labels } from "./placement.js";
import type { RoomOnServer } from "./rooms.js";

// Seats (taken by players in a room, held for players about to join), quick-join into public
// rooms, and the listings of public rooms.

/**
 * A seat for a player about to join: held until its join token expires or the player is in the
 * room (setRoomPlayers names it). Free seats = max_players - seats taken - seats held.
 */
export interface SeatRequest {
  playerId: string;
  untilMs: number;
  nowMs: number;
  /** Who the held seat counts against until it is used or lapses (see caps.ts); unset: no cap. */
  holder?: Holder;
}

export type HoldResult =
  | { kind: "held"; room: Room }
  | { kind: "full"; room: Room }
  /** OPENING or MOVING: nobody can join it right now. */
  | { kind: "unavailable"; room: Room }
  | { kind: "missing" }
  /** The holder has as many unused seats as its cap allows. */
  | OverCap;

export interface Seats {
  /**
   * Holds a seat in an OPEN room until untilMs. A seat the player holds already is kept as it
   * is, never renewed. A rejoin in a room with no free seat is answered `held` without holding
   * one: the player's seat is its own if the server still counts it (in the room, or awaited
   * after a move), and otherwise the server refuses it at the upgrade.
   */
  holdSeat(seat: SeatRequest & { roomId: string; rejoin: boolean }): Promise<HoldResult>;
  /** The server's seat count for the room; joined players' held seats become taken ones. */
  setRoomPlayers(r: RoomOnServer & { count: number; joinedPlayerIds: string[]; nowMs: number }): Promise<boolean>;
}

/** Which public rooms a quick-join may fill: same mode, size and labels. */
export interface QuickJoin extends SeatRequest {
  mode: string;
  maxPlayers: number;
  labels: Labels;
  /** Regions to look in, best first; empty for any. */
  regions: string[];
}

export type JoinPublicResult = { kind: "held"; room: Room } | { kind: "none" } | OverCap;

export interface QuickJoins {
  /**
   * Holds a seat in a public room that matches, in the first region that has one, fullest room
   * first; O(log n) in the number of rooms. The room may still be OPENING (another quick-join is
   * creating it): the caller waits for it to open. `none` when none has a free seat.
   */
  joinPublic(q: QuickJoin): Promise<JoinPublicResult>;
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

export interface Listings {
  /** Public rooms (OPEN or MOVING), newest first, from indexes kept per mode and region. */
  listRooms(q: RoomQuery): Promise<{ rooms: Room[]; next?: string }>;
}
