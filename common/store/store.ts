import type { ClusterEvents, ManagerBus } from "./channels.js";
import type { Leases } from "./leases.js";
import type { Migration } from "./migration.js";
import type { Rooms } from "./rooms.js";
import type { Listings, QuickJoins, Seats } from "./seats.js";
import type { Liveness, ServerRegistry } from "./servers.js";
import type { SpentTokens } from "./tokens.js";

// The one place that knows where rooms live and how much capacity each server has left, as one
// interface per concern; RoomStore is all of them. Two implementations keep the same contract
// (the *.contract.test.ts suites run against both): Redis for every multi-process deployment
// (redis-store.ts), memory for the one-process default (memory-store.ts). Consumers name only
// the concerns they use.

export * from "./caps.js";
export * from "./channels.js";
export * from "./event-history.js";
export * from "./leases.js";
export * from "./migration.js";
export * from "./rooms.js";
export * from "./seats.js";
export * from "./servers.js";
export * from "./placement.js";
export * from "./tokens.js";

export interface RoomStore
  extends ServerRegistry,
    Liveness,
    Rooms,
    Seats,
    QuickJoins,
    Listings,
    Migration,
    ClusterEvents,
    ManagerBus,
    Leases,
    SpentTokens {
  close(): Promise<void>;
}
