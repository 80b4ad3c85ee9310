import type { ClusterEvents, ManagerBus } from "./channels.js";
import type { Leases } from "./leases.js";
import type { Migration } from "./migration.js";
import type { Rooms } from "./rooms.js";
import type { Listings, QuickJoins, Seats } from "./seats.js";
import type { Liveness, ServerRegistry } from "./servers.js";
import type { RoomStore } from "./store.js";
import type { SpentTokens } from "./tokens.js";

// A full store made of one part per concern: each store implementation builds its parts over
// shared state (maps, or one Redis client) and this class hands every call to its part.

export interface StoreParts {
  servers: ServerRegistry;
  liveness: Liveness;
  rooms: Rooms;
  seats: Seats & QuickJoins & Listings;
  migration: Migration;
  channels: ClusterEvents & ManagerBus;
  leases: Leases;
  tokens: SpentTokens;
}

/** The part that answers each call. A call missing here fails to compile (ComposedStore implements RoomStore). */
const ROUTES = {
  servers: ["registerServer", "getServer", "listServers", "setServerState", "listServerRooms"],
  liveness: ["recordLoad", "recordLoads", "recordOwnLoad", "expiredServers", "removeServer", "heartbeat"],
  rooms: [
    "allocateRoom",
    "confirmRoom",
    "openRoomOnToken",
    "claimExpiredOpening",
    "getRoom",
    "deleteRoom",
    "countRooms",
  ],
  seats: ["holdSeat", "setRoomPlayers", "joinPublic", "listRooms"],
  migration: [
    "saveSnapshot",
    "getSnapshot",
    "handOver",
    "claimMoving",
    "moveRoom",
    "finishMove",
    "deferMove",
    "listMoving",
  ],
  channels: ["publishEvent", "subscribeEvents", "recentEvents", "publishBus", "subscribeBus"],
  leases: ["acquireLease"],
  tokens: ["spendToken", "handOnToken"],
} as const satisfies { [P in keyof StoreParts]: readonly (keyof StoreParts[P])[] };

type Routed = (typeof ROUTES)[keyof StoreParts][number];
type RoutingClass = abstract new (parts: StoreParts) => Pick<RoomStore, Routed>;

/** Gives each instance the routed calls as its own properties, bound to the part that owns them. */
const Routing = class {
  constructor(parts: StoreParts) {
    for (const part of Object.keys(ROUTES) as (keyof StoreParts)[]) {
      const target = parts[part] as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const call of ROUTES[part]) (this as Record<string, unknown>)[call] = target[call]!.bind(target);
    }
  }
} as unknown as RoutingClass;

export abstract class ComposedStore extends Routing implements RoomStore {
  abstract close(): Promise<void>;
}
