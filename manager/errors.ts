import { AllocationError, storeDown } from "../common/allocation-errors.js";

// Named ways a Manager operation fails; the gRPC edge maps each kind to one status code. The ways
// placing a room fails are shared with a Gateway that places rooms itself (common/allocation-errors.ts).
// Malformed requests never reach the core: the edge checks them against manager.proto's rules first.
export {
  AllocationError as ManagerError,
  type AllocationErrorKind as ManagerErrorKind,
  allFull,
  noConfirmation,
  noServers,
  noServersWith,
  overCapped,
  placementFailure,
  serversUnreached,
  storeDown,
} from "../common/allocation-errors.js";

/** AllocateRoom: another request made a room with this id. */
export const roomExists = (roomId: string) => new AllocationError("already_exists", `room ${roomId} exists`, "exists");

/** AllocateRoom: a retry found the room its request made, but it is moving to another server. */
export const roomMoving = () =>
  new AllocationError("unavailable", "the room is moving to another server; retry", "moving");

/** DrainServer: the store knows no server by this id. */
export const noSuchServer = (serverId: string) => new AllocationError("not_found", `no game server ${serverId}`);

/** DrainServer: the server's stream is gone (SUSPECT); it either comes back or is declared dead. */
export const serverNotConnected = (serverId: string) =>
  new AllocationError(
    "failed_precondition",
    `server ${serverId} is not connected; it will come back or be declared dead`,
  );

/** Runs one store call of an operation a caller waits for: any failure of the store is `storeDown`. */
export async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw storeDown(e);
  }
}
