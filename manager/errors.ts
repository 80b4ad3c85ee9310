import { SERVERS_UNREACHED, STORE_DOWN } from "../common/manager-channel.js";
import { isRelay, roomTypeLabel, roomTypeOf } from "../common/room-type.js";
import { type OverCap, overCapMessage } from "../common/store/caps.js";

// Named ways a Manager operation fails (as Agones' allocator names each allocation failure); the
// gRPC edge maps each kind to one status code. Malformed requests never reach the core: the edge
// checks them against manager.proto's rules first.
export type ManagerErrorKind =
  | "invalid_argument"
  | "resource_exhausted"
  | "unavailable"
  | "already_exists"
  | "failed_precondition"
  | "not_found";

export class ManagerError extends Error {
  constructor(
    readonly kind: ManagerErrorKind,
    message: string,
    /** Which named failure, for metrics (roomgate_allocations_total's result); bounded, never an id. */
    readonly reason: string = kind,
  ) {
    super(message);
  }
}

/** AllocateRoom: no live game server is attached at all (none registered, or every one is suspect or draining). */
export const noServers = () => new ManagerError("unavailable", "no live game server is attached", "no_servers");

/** AllocateRoom: servers are live, but none has every label the request asks for (a room type is one). */
export const noServersWith = (labels: Record<string, string>) => {
  const type = roomTypeOf(labels);
  const others = Object.entries(labels).filter(([k]) => k !== roomTypeLabel(type));
  const what = others.map(([k, v]) => `${k}=${v}`).join(",");
  return new ManagerError(
    "unavailable",
    isRelay(type)
      ? `no live game server has the labels ${what}`
      : `no live game server runs room type "${type}"${what ? ` with the labels ${what}` : ""}`,
    "no_servers",
  );
};

/**
 * AllocateRoom: a server that fits is live, but the Manager holding it is not heard from (dead,
 * or still reconnecting to the store after an outage). A Gateway asks another Manager.
 */
export const serversUnreached = () =>
  new ManagerError(
    "unavailable",
    `${SERVERS_UNREACHED}: the game servers that fit are held by a Manager not heard from`,
    "unreached",
  );

/** AllocateRoom: every candidate server has all its rooms or seats taken. */
export const allFull = () => new ManagerError("resource_exhausted", "every game server is full", "full");

/** AllocateRoom: the request's owner (the Gateway's caller) is at its cap of unjoined rooms or unused seats. */
export const overCapped = (o: OverCap, windowMs: number) =>
  new ManagerError("resource_exhausted", overCapMessage(o, windowMs), "over_cap");

/** AllocateRoom: the servers tried (up to maxOpenAttempts) refused the room or did not open it within openRoomTimeoutMs. */
export const noConfirmation = () =>
  new ManagerError("unavailable", "no game server confirmed the room in time", "no_confirmation");

/** AllocateRoom: another request made a room with this id. */
export const roomExists = (roomId: string) => new ManagerError("already_exists", `room ${roomId} exists`, "exists");

/** AllocateRoom: a retry found the room its request made, but it is moving to another server. */
export const roomMoving = () =>
  new ManagerError("unavailable", "the room is moving to another server; retry", "moving");

/** DrainServer: the store knows no server by this id. */
export const noSuchServer = (serverId: string) => new ManagerError("not_found", `no game server ${serverId}`);

/** DrainServer: the server's stream is gone (SUSPECT); it either comes back or is declared dead. */
export const serverNotConnected = (serverId: string) =>
  new ManagerError("failed_precondition", `server ${serverId} is not connected; it will come back or be declared dead`);

/** Any operation: the room store did not answer. */
export const storeDown = (e: unknown) =>
  new ManagerError("unavailable", `${STORE_DOWN}: ${(e as Error).message ?? e}`, "store_down");

/** Runs one store call of an operation a caller waits for: any failure of the store is `storeDown`. */
export async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw storeDown(e);
  }
}
