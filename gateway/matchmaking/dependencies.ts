// What the matchmaking core needs from outside: a Manager to place rooms, and a few store calls.

import type { AllocateRoomRequest, AllocateRoomResponse } from "../../gen/roomgate/v1/manager_pb.js";
import type {
  ClusterEvents,
  Leases,
  Listings,
  QuickJoins,
  Rooms,
  Seats,
  SpentTokens,
} from "../../common/store/store.js";

/**
 * Places new rooms (the Gateway itself in the store when it can, gateway/store-placement.ts, else
 * the Managers, through gateway/manager-client.ts; a fake in tests). Fails with
 * MatchError `room_id_taken` when the room id is in use; any other error reaches the client as it
 * is (the Manager's own status).
 */
export interface RoomAllocator {
  allocateRoom(req: AllocateRoomRequest): Promise<AllocateRoomResponse>;
  close(): void;
}

/** Events that wake waiting calls (a room opened). */
export type EventStore = Pick<ClusterEvents, "subscribeEvents">;

/** Seats, quick-join turns and listings: the store calls the matchmaking core makes. */
export type MatchStore = Pick<Rooms, "getRoom"> &
  Pick<Seats, "holdSeat"> &
  QuickJoins &
  Listings &
  Leases &
  EventStore &
  Pick<SpentTokens, "handOnToken">;
