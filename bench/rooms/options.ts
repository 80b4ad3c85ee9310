import { EnvOptions } from "../lib/options.js";

// Knobs of the whole-system benchmark (`npm run bench`). Everything has a default that finishes
// well inside 10 minutes on 2 cores; the env vars exist so a quick run (or a bigger one) needs no
// code change.

export interface BenchOptions {
  /** Phase 2: sequential CreateRoom calls through one gateway. */
  sequential: number;
  /** Phase 3: rooms created and joined under load. */
  rooms: number;
  /** Phase 3 (and the concurrent Redis loop): clients working at once. */
  concurrency: number;
  /** Rooms whose clean-up after the last leave is timed, one at a time (0 skips the phase). */
  cleanup: number;
  /** Untimed create+join+leave cycles first, so JIT and keep-alive sockets are warm. */
  warmup: number;
  /** Hard limit of any one phase. */
  phaseLimitMs: number;
  /** Hard limit of all phases together; leaves room for start-up and shutdown. */
  budgetMs: number;
  gateways: number;
  gameServers: number;
  /** Seats per room (ROOM_DEFAULT_MAX_PLAYERS); small so seat reservations never limit the run. */
  roomSeats: number;
}

export function readOptions(e = new EnvOptions()): BenchOptions {
  return {
    sequential: e.int("BENCH_SEQUENTIAL", 1000),
    rooms: e.int("BENCH_ROOMS", 5000),
    concurrency: e.int("BENCH_CONCURRENCY", 50),
    cleanup: e.int("BENCH_CLEANUP", 300, 0),
    warmup: e.int("BENCH_WARMUP", 50, 0),
    phaseLimitMs: e.secondsAsMs("BENCH_PHASE_LIMIT_S", 120),
    budgetMs: e.secondsAsMs("BENCH_BUDGET_S", 420),
    gateways: 2,
    gameServers: 3,
    roomSeats: 2,
  };
}
