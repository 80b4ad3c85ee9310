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
