// A logic room as bytes, taken between two events (so always at a tick boundary: hooks run to
// the end before anything else happens), and read back. Everything a room needs to go on
// elsewhere: its state, clock, tick count and schedule, timers, who was in it, and what
// onSnapshot added. Encoded with the plain value codec, so numbers keep every bit.
import { decodeValue, encodeValue, isPlainObject, type WireValue } from "@roomgate/client/protocol/sync/values";
import type { Timer } from "./schedule.js";
import type { Player } from "./types.js";

const VERSION = 1;

export interface RoomSnapshotData {
  type: string;
  nowMs: number;
  tick: number;
  lastSlot: number;
  nextTimerId: number;
  timers: Timer[];
  state: Record<string, unknown>;
  players: Player[];
  extra: WireValue;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

export function encodeSnapshot(s: RoomSnapshotData): Uint8Array {
  return encodeValue({
    v: VERSION,
    type: s.type,
    now: s.nowMs,
    tick: s.tick,
    slot: s.lastSlot,
    nextTimer: s.nextTimerId,
    timers: s.timers.map((t) => [t.id, t.name, t.dueMs, t.everyMs, t.data]),
    state: s.state,
    players: s.players.map((p) => ({ id: p.id, name: p.name, claims: p.claims })),
    extra: s.extra,
  });
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new SnapshotError(`snapshot: ${what} is not a number`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new SnapshotError(`snapshot: ${what} is not a string`);
  return v;
};

/** Reads a snapshot of a room of type `type`; SnapshotError when unreadable or of another type. */
export function decodeSnapshot(bytes: Uint8Array, type: string): RoomSnapshotData {
  let raw: WireValue;
  try {
    raw = decodeValue(bytes, { maxDepth: 64, maxEntries: Number.MAX_SAFE_INTEGER });
  } catch (e) {
    throw new SnapshotError(`snapshot unreadable: ${(e as Error).message}`);
  }
  if (!isPlainObject(raw) || raw.v !== VERSION)
    throw new SnapshotError("not a room snapshot of a version this server reads");
  if (raw.type !== type) throw new SnapshotError(`snapshot of a "${String(raw.type)}" room, not "${type}"`);
  if (!isPlainObject(raw.state)) throw new SnapshotError("snapshot: state is not an object");
  if (!Array.isArray(raw.timers) || !Array.isArray(raw.players))
    throw new SnapshotError("snapshot: timers or players missing");
  const timers = raw.timers.map((t, i): Timer => {
    if (!Array.isArray(t)) throw new SnapshotError(`snapshot: timer ${i} is not a list`);
    return {
      id: num(t[0], "timer id"),
      name: str(t[1], "timer name"),
      dueMs: num(t[2], "timer due"),
      everyMs: num(t[3], "timer interval"),
      data: t[4] ?? null,
    };
  });
  const players = raw.players.map((p): Player => {
    if (!isPlainObject(p)) throw new SnapshotError("snapshot: a player is not an object");
    const claims = isPlainObject(p.claims) ? p.claims : {};
    return Object.freeze({
      id: str(p.id, "player id"),
      name: str(p.name, "player name"),
      claims: Object.freeze(claims),
    });
  });
  return {
    type,
    nowMs: num(raw.now, "now"),
    tick: num(raw.tick, "tick"),
    lastSlot: num(raw.slot, "slot"),
    nextTimerId: num(raw.nextTimer, "next timer id"),
    timers,
    state: raw.state,
    players,
    extra: raw.extra ?? null,
  };
}
