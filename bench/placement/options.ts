import { EnvOptions } from "../lib/options.js";

// Knobs of the placement benchmark (`npm run bench:placement`). The defaults answer issue 5 as
// asked (10, 100 and 1,000 servers, 100,000 live rooms) and finish in about ten minutes on two
// cores; the env vars make a quick run, or a bigger one, need no code change.

export interface PlacementOptions {
  /** Live rooms at the second measuring point. */
  rooms: number;
  /** Fleet sizes, one configuration each, in this order. */
  servers: number[];
  /** Sequential AllocateRoom calls per measuring point (latency without queueing). */
  calls: number;
  /** AllocateRoom calls per throughput phase. */
  throughputCalls: number;
  /** Calls in flight during the throughput phase. */
  concurrency: number;
  /** Calls in flight while filling; only how fast the fill goes, never measured. */
  fillConcurrency: number;
  /** Untimed calls after registering (their rooms are closed again), so nothing is measured cold. */
  warmup: number;
  regions: string[];
  /** Seats each room reserves. */
  seats: number;
  /** How often each simulated server reports its load, as REPORT_INTERVAL_MS does for a real one. */
  reportIntervalMs: number;
  /** Simulated servers sharing one HTTP/2 connection; 1 is what a real fleet looks like. */
  serversPerConnection: number;
  /** Cores other processes may use for the machine to count as quiet before a measured phase. */
  quietCores: number;
  /** Longest a measured phase waits for a quiet machine before it runs anyway. */
  quietWaitMs: number;
  /** How long Manager CPU is sampled with the fleet attached and no allocations. */
  idleMs: number;
  phaseLimitMs: number;
  fillLimitMs: number;
  /** All configurations together; start-up and teardown come on top. */
  budgetMs: number;
}

/** region-a, region-b, ...: as many as asked for. */
function regionNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `region-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? i : ""}`);
}

export function readPlacementOptions(e = new EnvOptions()): PlacementOptions {
  return {
    rooms: e.int("BENCH_PLACEMENT_ROOMS", 100_000),
    servers: e.intList("BENCH_PLACEMENT_SERVERS", [10, 100, 1000]),
    calls: e.int("BENCH_PLACEMENT_CALLS", 1000),
    throughputCalls: e.int("BENCH_PLACEMENT_THROUGHPUT_CALLS", 10_000),
    concurrency: e.int("BENCH_PLACEMENT_CONCURRENCY", 64),
    fillConcurrency: e.int("BENCH_PLACEMENT_FILL_CONCURRENCY", 128),
    warmup: e.int("BENCH_PLACEMENT_WARMUP", 10_000, 0),
    regions: regionNames(e.int("BENCH_PLACEMENT_REGIONS", 3)),
    seats: 2,
    reportIntervalMs: e.int("BENCH_PLACEMENT_REPORT_MS", 1000, 20),
    serversPerConnection: e.int("BENCH_PLACEMENT_SERVERS_PER_CONNECTION", 1),
    idleMs: e.secondsAsMs("BENCH_PLACEMENT_IDLE_S", 3, 0),
    quietCores: e.int("BENCH_PLACEMENT_QUIET_PERCENT", 15, 0) / 100,
    quietWaitMs: e.secondsAsMs("BENCH_PLACEMENT_QUIET_WAIT_S", 60, 0),
    phaseLimitMs: e.secondsAsMs("BENCH_PLACEMENT_PHASE_LIMIT_S", 60),
    fillLimitMs: e.secondsAsMs("BENCH_PLACEMENT_FILL_LIMIT_S", 300),
    budgetMs: e.secondsAsMs("BENCH_PLACEMENT_BUDGET_S", 1500),
  };
}
