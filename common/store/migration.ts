import type { Room } from "../../gen/roomgate/v1/common_pb.js";
import type { PlacementStrategy } from "./placement.js";
import type { Claim, RoomOnServer } from "./rooms.js";

// Snapshots and moving rooms: a room leaves its server (handed over, or its server died), is
// claimed by one Manager, placed on another server and opened there under the same id.

export type MoveResult =
  /** Reserved on a new server (state still MOVING until finishMove). */
  | { kind: "placed"; room: Room }
  /** No server fits now; movingSinceMs says how long the room has been waiting. */
  | { kind: "full"; movingSinceMs: number }
  | { kind: "none"; movingSinceMs: number }
  /** A server fits but its Manager is not heard from (see AllocateResult). */
  | { kind: "unreached"; movingSinceMs: number }
  /** The room is no longer moving (it was deleted, or another Manager finished the move). */
  | { kind: "gone" };

/** A MOVING room to place again, on a server outside `excluded`. */
export interface MoveRequest {
  roomId: string;
  strategy: PlacementStrategy;
  excluded: string[];
  nowMs: number;
}

export interface Migration {
  /** Keeps the room's latest snapshot, if the room is open on that server. */
  saveSnapshot(s: RoomOnServer & { snapshot: Uint8Array }): Promise<boolean>;
  getSnapshot(roomId: string): Promise<Uint8Array | undefined>;
  /**
   * The room leaves its server to be moved (drain, or a server that came back without it):
   * releases the reservation, saves the snapshot if given, and leases the move to the caller.
   */
  handOver(h: RoomOnServer & { snapshot?: Uint8Array; nowMs: number; leaseMs: number }): Promise<boolean>;
  /** MOVING rooms nobody holds a lease on, leased to the caller. */
  claimMoving(c: Claim): Promise<string[]>;
  /**
   * Reserves a MOVING room (its own seats) on the best fitting LIVE server, releasing any earlier
   * tentative one. The room keeps the regions and labels it was created with.
   */
  moveRoom(m: MoveRequest): Promise<MoveResult>;
  /** The new server opened the moved room: MOVING becomes OPEN. */
  finishMove(r: RoomOnServer & { nowMs: number }): Promise<boolean>;
  /** Lets the move be claimed again at untilMs (no server had room). */
  deferMove(d: { roomId: string; untilMs: number }): Promise<void>;
  /** Up to `limit` MOVING rooms' ids (the migrations in flight, for dashboards); countRooms counts them all. */
  listMoving(limit: number): Promise<string[]>;
}
