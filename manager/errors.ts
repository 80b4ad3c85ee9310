import { STORE_DOWN } from "../common/manager-channel.js";

// Named ways a Manager operation fails (as Agones names each allocation failure); the gRPC edge
// maps each to one status code.
export type ManagerErrorKind = "invalid_argument" | "resource_exhausted" | "unavailable" | "already_exists" | "failed_precondition" | "not_found";

export class ManagerError extends Error {
  constructor(readonly kind: ManagerErrorKind, message: string) {
    super(message);
  }
}

export const noServers = () => new ManagerError("unavailable", "no live game server is attached");
export const noServersWith = (labels: Record<string, string>) =>
  new ManagerError("unavailable", `no live game server has the labels ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}`);
export const allFull = () => new ManagerError("resource_exhausted", "every game server is full");
export const noConfirmation = () => new ManagerError("unavailable", "no game server confirmed the room in time");
export const storeDown = (e: unknown) => new ManagerError("unavailable", `${STORE_DOWN}: ${(e as Error).message ?? e}`);
export const roomMoving = () => new ManagerError("unavailable", "the room is moving to another server; retry");
