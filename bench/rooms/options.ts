import { EnvOptions } from "../lib/options.js";

// Knobs of the whole-system benchmark (`npm run bench`). Every figure of issue 14 has its phase
// and size here; the defaults are the shapes (50 clients, 100 rooms x 8 players at 10
// msg/s, 100,000 rooms in Redis, 1,000 servers reporting every second) and `--quick` (or
// BENCH_QUICK=1) shrinks every phase for a smoke run of about a minute per checkout pair. Each env
// var overrides either.

export interface BenchOptions {
  quick: boolean;
  /** Another built checkout measured in the same run (BENCH_BASELINE_DIR); undefined: none. */
  baselineDir: string | undefined;
  /**
   * Times every phase runs against each checkout (BENCH_ROUNDS). With a baseline the order
   * alternates (baseline, new, new, baseline, ...), so a machine that slows down or speeds up
   * during the run weighs on both alike; each figure is the median of its rounds.
   */
  rounds: number;
  /** Sequential CreateRoom calls through one gateway. */
  sequential: number;
  /** Rooms created and joined under load. */
  rooms: number;
  /** Clients working at once (create+join, joins, the concurrent Redis loop). */
  concurrency: number;
  /** Joins into existing rooms (JoinRoom, then the socket until welcome). */
  joins: number;
  /** Rooms whose clean-up after the last leave is timed, one at a time (0 skips the phase). */
  cleanup: number;
  /**
   * Untimed create+join+leave cycles first, at `concurrency`, so every phase measures processes
   * that run as they do for hours: V8 takes thousands of calls to compile the hot paths (rooms
   * done per second climbed for about 7,000 rooms, protovalidate's rules for about 10,000 calls).
   */
  warmup: number;
  /** Fan-out: rooms, players per room, messages per second per player, measured seconds. */
  fanoutRooms: number;
  fanoutPlayers: number;
  fanoutRate: number;
  fanoutSeconds: number;
  /** Live rooms in Redis for the memory-per-room figure (0 skips it). */
  redisRooms: number;
  /** Simulated game servers reporting load to one Manager (0 skips the load-report phase). */
  reportServers: number;
  /** How long the Manager's CPU is sampled with only those reports arriving. */
  reportSeconds: number;
  /** Hard limit of any one phase. */
  phaseLimitMs: number;
  /** Hard limit of all phases together; leaves room for start-up and shutdown. */
  budgetMs: number;
  gateways: number;
  gameServers: number;
  /** Seats per room (ROOM_DEFAULT_MAX_PLAYERS); small so seat reservations never limit the run. */
  roomSeats: number;
}

/** The defaults, and the quick run's, before env overrides. */
const FULL = {
  sequential: 1000,
  rooms: 5000,
  joins: 5000,
  cleanup: 300,
  warmup: 5000,
  fanoutRooms: 100,
  fanoutSeconds: 10,
  redisRooms: 100_000,
  reportServers: 1000,
  reportSeconds: 10,
  phaseLimitS: 120,
  budgetS: 2400,
  rounds: 2,
};
const QUICK: typeof FULL = {
  sequential: 200,
  rooms: 500,
  joins: 500,
  cleanup: 50,
  warmup: 500,
  fanoutRooms: 20,
  fanoutSeconds: 3,
  redisRooms: 5000,
  reportServers: 1000,
  reportSeconds: 3,
  phaseLimitS: 30,
  budgetS: 240,
  rounds: 1,
};

export function readOptions(argv = process.argv.slice(2), e = new EnvOptions()): BenchOptions {
  const unknown = argv.filter((a) => a !== "--quick");
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(" ")}; the only one is --quick`);
  const quick = argv.includes("--quick") || e.int("BENCH_QUICK", 0, 0) > 0;
  const d = quick ? QUICK : FULL;
  return {
    quick,
    baselineDir: e.string("BENCH_BASELINE_DIR"),
    rounds: e.int("BENCH_ROUNDS", d.rounds, 1),
    sequential: e.int("BENCH_SEQUENTIAL", d.sequential),
    rooms: e.int("BENCH_ROOMS", d.rooms),
    concurrency: e.int("BENCH_CONCURRENCY", 50),
    joins: e.int("BENCH_JOINS", d.joins, 0),
    cleanup: e.int("BENCH_CLEANUP", d.cleanup, 0),
    warmup: e.int("BENCH_WARMUP", d.warmup, 0),
    fanoutRooms: e.int("BENCH_FANOUT_ROOMS", d.fanoutRooms, 0),
    fanoutPlayers: e.int("BENCH_FANOUT_PLAYERS", 8, 2),
    fanoutRate: e.int("BENCH_FANOUT_RATE", 10),
    fanoutSeconds: e.int("BENCH_FANOUT_S", d.fanoutSeconds),
    redisRooms: e.int("BENCH_REDIS_ROOMS", d.redisRooms, 0),
    reportServers: e.int("BENCH_REPORT_SERVERS", d.reportServers, 0),
    reportSeconds: e.int("BENCH_REPORT_S", d.reportSeconds),
    phaseLimitMs: e.secondsAsMs("BENCH_PHASE_LIMIT_S", d.phaseLimitS),
    budgetMs: e.secondsAsMs("BENCH_BUDGET_S", d.budgetS),
    gateways: e.int("BENCH_GATEWAYS", 1),
    gameServers: e.int("BENCH_GAMESERVERS", 2),
    roomSeats: 2,
  };
}
