import { Code } from "@connectrpc/connect";
import { SERVERS_UNREACHED, STORE_DOWN } from "./manager-channel.js";
import { isRelay, roomTypeLabel, roomTypeOf } from "./room-type.js";
import { type OverCap, overCapMessage } from "./store/caps.js";

// Named ways placing a room (and the Manager's other operations) fail, as Agones' allocator names
// each allocation failure. Both who place rooms answer with these: the Manager (its gRPC edge maps
// each kind to one status code) and a Gateway placing on its own (gateway/store-placement.ts), so
// a client is told the same whoever placed its room.

export type AllocationErrorKind =
  | "invalid_argument"
  | "resource_exhausted"
  | "unavailable"
  | "already_exists"
  | "failed_precondition"
  | "not_found";

/** Each kind's status code (gRPC's and Connect's codes are the same numbers). */
export const ALLOCATION_ERROR_CODES: Record<AllocationErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  not_found: Code.NotFound,
};

export class AllocationError extends Error {
  constructor(
    readonly kind: AllocationErrorKind,
    message: string,
    /** Which named failure, for metrics (roomgate_allocations_total's result); bounded, never an id. */
    readonly reason: string = kind,
  ) {
    super(message);
  }
}

/** No live game server is attached at all (none registered, or every one is suspect or draining). */
export const noServers = () => new AllocationError("unavailable", "no live game server is attached", "no_servers");

/** Servers are live, but none has every label the request asks for (a room type is one). */
export const noServersWith = (labels: Record<string, string>) => {
  const type = roomTypeOf(labels);
  const others = Object.entries(labels).filter(([k]) => k !== roomTypeLabel(type));
  const what = others.map(([k, v]) => `${k}=${v}`).join(",");
  return new AllocationError(
    "unavailable",
    isRelay(type)
      ? `no live game server has the labels ${what}`
      : `no live game server runs room type "${type}"${what ? ` with the labels ${what}` : ""}`,
    "no_servers",
  );
};

/**
 * A server that fits is live, but the Manager holding it is not heard from (dead, or still
 * reconnecting to the store after an outage). A Gateway asks another Manager.
 */
export const serversUnreached = () =>
  new AllocationError(
    "unavailable",
    `${SERVERS_UNREACHED}: the game servers that fit are held by a Manager not heard from`,
    "unreached",
  );

/** Every candidate server has all its rooms or seats taken. */
export const allFull = () => new AllocationError("resource_exhausted", "every game server is full", "full");

/** The request's owner (the Gateway's caller) is at its cap of unjoined rooms or unused seats. */
export const overCapped = (o: OverCap, windowMs: number) =>
  new AllocationError("resource_exhausted", overCapMessage(o, windowMs), "over_cap");

/** The servers tried refused the room or did not open it in time. */
export const noConfirmation = () =>
  new AllocationError("unavailable", "no game server confirmed the room in time", "no_confirmation");

/** The room store did not answer. */
export const storeDown = (e: unknown) =>
  new AllocationError("unavailable", `${STORE_DOWN}: ${(e as Error).message ?? e}`, "store_down");

/**
 * The store placed nothing: why, as the caller is told. `tried`: servers were excluded after
 * failing to open the room, so "no server" means none confirmed it.
 */
export function placementFailure(
  result: { kind: "none" | "full" | "unreached" } | OverCap,
  labels: Record<string, string>,
  windowMs: number,
  tried = false,
): AllocationError {
  switch (result.kind) {
    case "none":
      // No live server at all is `unavailable`; "full" is the store's verdict on real candidates.
      if (tried) return noConfirmation();
      return Object.keys(labels).length > 0 ? noServersWith(labels) : noServers();
    case "full":
      return allFull();
    case "unreached":
      return serversUnreached();
    case "over_cap":
      return overCapped(result, windowMs);
  }
}
