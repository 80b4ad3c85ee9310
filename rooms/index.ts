// roomgate/server: what a game's room module imports. A room module is an ES module whose default
// export is a list of room definitions (see examples/).
import type { AnyRoomDefinition, RoomDefinition, WireValue } from "./types.js";

export type {
  AnyRoomDefinition,
  CreateInfo,
  InputOf,
  JoinResult,
  MessageOf,
  Player,
  RestoreInfo,
  RoomClock,
  RoomContext,
  RoomDefinition,
  RoomTimers,
  TickInfo,
  ViewOf,
  WireValue,
} from "./types.js";
export { RoomRuntime } from "./room-runtime.js";
export type { InputOutcome, JoinOutcome, RoomInit, RoomStats, RoomTransport } from "./room-runtime.js";
export { SnapshotError } from "./snapshot.js";

// 48 at most: a server advertises each type it runs as the label "room-type/<type>" (63 at most).
const TYPE_NAME = /^[a-z0-9_-]{1,48}$/;

/**
 * Declares a room type. Checks what can be checked before any room runs, so a bad module fails
 * when it is loaded, not when its first room opens.
 */
export function defineRoom<S extends object = Record<string, unknown>, In = WireValue, Out = WireValue, V = S>(
  definition: RoomDefinition<S, In, Out, V>,
): RoomDefinition<S, In, Out, V> {
  const d = definition;
  const where = `room type ${JSON.stringify(d.type)}`;
  if (typeof d.type !== "string" || !TYPE_NAME.test(d.type)) {
    throw new TypeError(`${where}: a type is 1 to 48 characters of a-z, 0-9, _ and -`);
  }
  if (d.type === "relay") throw new TypeError(`${where}: "relay" is the built-in type`);
  if (d.tickHz !== undefined && !(Number.isFinite(d.tickHz) && d.tickHz > 0 && d.tickHz <= 1000)) {
    throw new TypeError(`${where}: tickHz must be above 0 and at most 1000`);
  }
  if (d.maxPlayers !== undefined && !(Number.isInteger(d.maxPlayers) && d.maxPlayers >= 1)) {
    throw new TypeError(`${where}: maxPlayers must be a whole number >= 1`);
  }
  if (d.tickBudgetMs !== undefined && !(d.tickBudgetMs > 0))
    throw new TypeError(`${where}: tickBudgetMs must be above 0`);
  if (d.onError !== undefined && d.onError !== "close" && d.onError !== "drop-input") {
    throw new TypeError(`${where}: onError is "close" or "drop-input"`);
  }
  if (d.precision !== undefined && d.precision !== "float64" && d.precision !== "float32") {
    throw new TypeError(`${where}: precision is "float64" or "float32"`);
  }
  for (const [name, fn] of Object.entries(d.timers ?? {})) {
    if (typeof fn !== "function") throw new TypeError(`${where}: timers.${name} is not a function`);
  }
  return Object.freeze({ ...d });
}

/**
 * The room definitions of an imported room module (what `await import(path)` gave): its default
 * export, a list of definitions with distinct types. An ES module's namespace and a CommonJS
 * build of one (whose default export sits one level down) both work.
 */
export function roomModuleDefinitions(namespace: unknown): AnyRoomDefinition[] {
  let exported = (namespace as { default?: unknown } | null)?.default;
  const inner = exported as { __esModule?: boolean; default?: unknown } | undefined;
  if (!Array.isArray(exported) && inner?.__esModule) exported = inner.default;
  if (!Array.isArray(exported))
    throw new TypeError("a room module's default export must be a list of room definitions");
  const seen = new Set<string>();
  for (const d of exported as AnyRoomDefinition[]) {
    if (typeof d?.type !== "string")
      throw new TypeError("a room module's list holds something that is not a room definition");
    if (seen.has(d.type)) throw new TypeError(`room type "${d.type}" is defined twice`);
    seen.add(d.type);
  }
  return exported as AnyRoomDefinition[];
}
