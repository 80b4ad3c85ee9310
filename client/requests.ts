import type { Room as RoomInfo } from "./gen/roomgate/v1/common_pb.js";
import type { RegionLatency } from "./regions.js";

// What RoomgateClient's calls take and give, beyond the generated messages. All of it is public:
// index.ts re-exports every type here.

/**
 * Where the room should be: a new room goes to the first of these regions with room; joinOrCreate
 * also looks there for open rooms first. By default the SDK measures: when the call names no
 * `region` and gives no `latencies`, it asks the Gateway for the regions (ListRegions) and times
 * each one's /ping (see RoomgateClient.measureRegions; cached, so only the first call pays), and the
 * room goes to the fastest region with room. A Gateway that lists no regions costs one ListRegions
 * call per cache period and nothing is sent; should that call or every region fail, the room is
 * still created, where the Gateway puts it by default (its own region).
 */
export interface PlacementOptions {
  /** Preferred region: tried first; then the measured regions from the fastest. No measuring by default when set. */
  region?: string;
  /** Round-trip times to send as they are (measureRegions is then ignored). */
  latencies?: RegionLatency[];
  /**
   * true: measure (or use the cached measurement) even with a `region`; a failing ListRegions
   * rejects the call. false: never measure. Left out: measure when there is no `region`, and go
   * on without latencies if that fails.
   */
  measureRegions?: boolean;
}

export interface CreateRoomOptions extends PlacementOptions {
  /** Seats; the deployment's default when left out. */
  maxPlayers?: number;
  playerName?: string;
  /** Idempotency key: retrying with the same key gets the same room and player. */
  requestId?: string;
  /** Labels the room's game server must have, e.g. { map: "dust" }. */
  labels?: Record<string, string>;
  /** "public" rooms are listed (listRooms) and filled by joinOrCreate; default "private" (joined by id). */
  visibility?: "public" | "private";
  /** Game mode, for listRooms filters and joinOrCreate matching. */
  mode?: string;
  /** Shown in listings: up to 16 entries (name, map, difficulty...). */
  metadata?: Record<string, string>;
  /**
   * The room's type: "relay" (the default) or a type of the game's room module (GAMESERVER_ROOMS),
   * which only servers that run it take; no such server: ConnectError code Unavailable.
   */
  roomType?: string;
}

export interface JoinOrCreateOptions extends PlacementOptions {
  /** Only public rooms of this mode are joined; required. */
  mode: string;
  /** Only rooms of this size are joined, and a new one gets it; the deployment's default when left out. */
  maxPlayers?: number;
  /** Only rooms created with exactly these labels are joined; a new room's server has them. */
  labels?: Record<string, string>;
  /** Metadata of the room if one is created. */
  metadata?: Record<string, string>;
  playerName?: string;
  /** Only rooms of this type are joined, and a new one gets it (see CreateRoomOptions.roomType). */
  roomType?: string;
}

export interface JoinRoomOptions {
  playerName?: string;
  /**
   * A join token this player had for the room (Room.joinToken), even an expired one within the
   * Gateway's rejoin window: the player comes back under the same id, with its seat and the state
   * it owns. The Gateway refuses a bad token (unauthenticated) or one for another room
   * (invalid_argument).
   */
  rejoinToken?: string;
}

export interface ListRoomsOptions {
  /** Only rooms of this mode; any when left out. */
  mode?: string;
  /** Only rooms in this region; any when left out. */
  region?: string;
  /** Also rooms without a free seat. */
  includeFull?: boolean;
  /** At most 100; the Gateway's default (20) when left out. */
  pageSize?: number;
  /** nextPageToken of the previous page. */
  pageToken?: string;
}

export interface RoomPage {
  /** Public rooms (open, or moving to another server), newest first, with their metadata and free seats. */
  rooms: RoomInfo[];
  /** For the next page; "" on the last one. */
  nextPageToken: string;
}
