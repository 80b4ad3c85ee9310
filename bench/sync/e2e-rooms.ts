// The room module the end-to-end sync benchmark's game servers load (GAMESERVER_ROOMS=
// dist/bench/sync/e2e-rooms.js): the arena of arena.ts in three ways of syncing it. The shape
// comes from the same BENCH_SYNC_* variables the benchmark reads (game servers inherit them).
//
// Each room notes when each tick's change happened, on the host's monotonic clock, which every
// process on the machine shares; the load process asks for those times once it has measured, so
// tick-to-client latency costs no byte of the measured frames.
import { defineRoom } from "../../rooms/index.js";
import { type Arena, arenaState, moveSome } from "./arena.js";
import { monotonicMs } from "./clock.js";
import { readSyncOptions } from "./options.js";

export const E2E_ROOM_TYPES = {
  "patches-f64": "bench-e2e-f64",
  "patches-f32": "bench-e2e-f32",
  "full-state": "bench-e2e-full",
} as const;
export type E2eMode = keyof typeof E2E_ROOM_TYPES;

/** What a player sends to get the tick times [from, to]; the room answers with a StampsReply. */
export interface StampsRequest {
  stamps: [number, number];
}
export interface StampsReply {
  stampsFrom: number;
  /** Float64Array bytes (this host's byte order): the monotonic ms of each tick's change, 0 when unknown. */
  ms: Uint8Array;
}

/** Ticks whose times a room keeps (at 20 Hz, 400 s): far more than one measured phase. */
const STAMP_RING = 8192;
const MAX_STAMPS_PER_REPLY = 4096;

const o = readSyncOptions();
/** Per room: tick times, and (full-state rooms) the arena, which lives outside ctx.state so the runtime syncs nothing of it. */
const rooms = new Map<string, { stamps: Float64Array; arena?: Arena }>();

function isStampsRequest(m: unknown): m is StampsRequest {
  const s = (m as StampsRequest | null)?.stamps;
  return Array.isArray(s) && s.length === 2 && s.every((t) => Number.isInteger(t) && t >= 0) && s[0] <= s[1];
}

function stampsReply(stamps: Float64Array, [from, to]: [number, number]): StampsReply {
  const n = Math.min(to - from + 1, MAX_STAMPS_PER_REPLY);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = stamps[(from + i) % STAMP_RING]!;
  return { stampsFrom: from, ms: new Uint8Array(out.buffer) };
}

function arenaRoom(mode: E2eMode) {
  const full = mode === "full-state";
  return defineRoom<Partial<Arena>, StampsRequest, Arena | StampsReply>({
    type: E2E_ROOM_TYPES[mode],
    tickHz: o.tickHz,
    maxPlayers: o.players,
    precision: mode === "patches-f32" ? "float32" : "float64",
    initialState: () => (full ? {} : arenaState(o)),
    onCreate(ctx) {
      rooms.set(ctx.roomId, { stamps: new Float64Array(STAMP_RING), arena: full ? arenaState(o) : undefined });
    },
    onMessage(ctx, player, input) {
      const room = rooms.get(ctx.roomId);
      if (room && isStampsRequest(input)) ctx.send(player.id, stampsReply(room.stamps, input.stamps));
    },
    onTick(ctx, t) {
      const room = rooms.get(ctx.roomId);
      if (!room) return;
      const arena = room.arena ?? (ctx.state as Arena);
      moveSome(arena, o, t.tick);
      // The change has happened: what follows (diff or encoding, sending, the client) is the latency.
      room.stamps[t.tick % STAMP_RING] = monotonicMs();
      if (room.arena) ctx.broadcast(room.arena);
    },
    onDispose(ctx) {
      rooms.delete(ctx.roomId);
    },
  });
}

export default (Object.keys(E2E_ROOM_TYPES) as E2eMode[]).map(arenaRoom);
