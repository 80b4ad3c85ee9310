// Loading a game's room module (GAMESERVER_ROOMS): an ES module (or a CommonJS build of one)
// whose default export is a list of defineRoom definitions. A module that cannot load fails the
// server's start with the path and the cause, rather than a server that runs no rooms.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AnyRoomDefinition, roomModuleDefinitions } from "../rooms/index.js";
import { ROOM_TYPE_LABEL_VALUE, roomTypeLabel } from "../common/room-type.js";

export class RoomModuleError extends Error {
  override readonly name = "RoomModuleError";
}

/** The definitions of the module at `path` (relative to the working directory); none for no path. */
export async function loadRoomModule(path: string | undefined): Promise<AnyRoomDefinition[]> {
  if (!path) return [];
  const file = resolve(path);
  let namespace: unknown;
  try {
    namespace = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new RoomModuleError(`GAMESERVER_ROOMS: cannot load ${file}: ${(e as Error).message}`);
  }
  try {
    return roomModuleDefinitions(namespace);
  } catch (e) {
    throw new RoomModuleError(`GAMESERVER_ROOMS: ${file}: ${(e as Error).message}`);
  }
}

/** The labels a server advertises: its own, plus "room-type/<type>" for each type it runs. */
export function advertisedLabels(
  labels: Readonly<Record<string, string>>,
  rooms: readonly AnyRoomDefinition[],
): Record<string, string> {
  const out = { ...labels };
  for (const d of rooms) out[roomTypeLabel(d.type)] = ROOM_TYPE_LABEL_VALUE;
  return out;
}
