import { EnvOptions } from "../lib/options.js";

// Knobs of the in-process state-sync benchmark (`npm run bench:sync`). The defaults are the shape
// issue 13 asks for: 100 rooms of 8 players at 20 Hz, 16 entities with two float coordinates
// each, 4 of them moving every tick.

export interface SyncOptions {
  rooms: number;
  players: number;
  entities: number;
  /** Entities moved every tick (a different few each tick). */
  moving: number;
  tickHz: number;
  /** Measured ticks of every room, per mode. */
  ticks: number;
  /** Ticks run before measuring, so nothing is measured cold (and the clients' copies are checked). */
  warmupTicks: number;
}

export function readSyncOptions(env = new EnvOptions()): SyncOptions {
  const o: SyncOptions = {
    rooms: env.int("BENCH_SYNC_ROOMS", 100),
    players: env.int("BENCH_SYNC_PLAYERS", 8),
    entities: env.int("BENCH_SYNC_ENTITIES", 16),
    moving: env.int("BENCH_SYNC_MOVING", 4, 0),
    tickHz: env.int("BENCH_SYNC_HZ", 20),
    ticks: env.int("BENCH_SYNC_TICKS", 600),
    warmupTicks: env.int("BENCH_SYNC_WARMUP_TICKS", 200),
  };
  if (o.moving > o.entities) throw new Error("BENCH_SYNC_MOVING must be at most BENCH_SYNC_ENTITIES");
  return o;
}

/** The end-to-end run (`npm run bench:sync -- --e2e`): the shape above, over real processes and sockets. */
export interface E2eOptions extends SyncOptions {
  /** Measured seconds per mode, after warmupS with every player in. */
  seconds: number;
  warmupS: number;
  /** Ways of syncing, in the order run (e2e-rooms.ts E2E_ROOM_TYPES). */
  modes: string[];
  gameServers: number;
  /** Room creations and joins in flight at once while players come in. */
  joinConcurrency: number;
  /** The whole run, start-up and teardown included; past it the current mode reports what it has. */
  budgetMs: number;
}

export const E2E_MODES = ["patches-f32", "patches-f64", "full-state"];

export function readE2eOptions(env = new EnvOptions()): E2eOptions {
  const modes = (process.env.BENCH_SYNC_E2E_MODES ?? E2E_MODES.join(","))
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
  const unknown = modes.filter((m) => !E2E_MODES.includes(m));
  if (modes.length === 0 || unknown.length > 0)
    throw new Error(`BENCH_SYNC_E2E_MODES must list some of ${E2E_MODES.join(", ")}; got '${unknown.join(",")}'`);
  return {
    ...readSyncOptions(env),
    seconds: env.int("BENCH_SYNC_E2E_SECONDS", 10),
    warmupS: env.int("BENCH_SYNC_E2E_WARMUP_S", 3, 0),
    modes,
    gameServers: env.int("BENCH_SYNC_E2E_GAMESERVERS", 1),
    joinConcurrency: env.int("BENCH_SYNC_E2E_JOIN_CONCURRENCY", 16),
    budgetMs: env.secondsAsMs("BENCH_SYNC_E2E_BUDGET_S", 300),
  };
}
