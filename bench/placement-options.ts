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

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got '${raw}'`);
  return n;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const list = raw.split(",").map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name} must be a comma-separated list of whole numbers >= 1, got '${raw}'`);
  return list;
}

export function readPlacementOptions(env: NodeJS.ProcessEnv = process.env): PlacementOptions {
  const regions = int(env, "BENCH_PLACEMENT_REGIONS", 3);
  return {
    rooms: int(env, "BENCH_PLACEMENT_ROOMS", 100_000),
    servers: intList(env, "BENCH_PLACEMENT_SERVERS", [10, 100, 1000]),
    calls: int(env, "BENCH_PLACEMENT_CALLS", 1000),
    throughputCalls: int(env, "BENCH_PLACEMENT_THROUGHPUT_CALLS", 10_000),
    concurrency: int(env, "BENCH_PLACEMENT_CONCURRENCY", 64),
    fillConcurrency: int(env, "BENCH_PLACEMENT_FILL_CONCURRENCY", 128),
    warmup: int(env, "BENCH_PLACEMENT_WARMUP", 10_000, 0),
    regions: Array.from({ length: regions }, (_, i) => `region-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? i : ""}`),
    seats: 2,
    reportIntervalMs: int(env, "BENCH_PLACEMENT_REPORT_MS", 1000, 20),
    serversPerConnection: int(env, "BENCH_PLACEMENT_SERVERS_PER_CONNECTION", 1),
    idleMs: int(env, "BENCH_PLACEMENT_IDLE_S", 3, 0) * 1000,
    quietCores: int(env, "BENCH_PLACEMENT_QUIET_PERCENT", 15, 0) / 100,
    quietWaitMs: int(env, "BENCH_PLACEMENT_QUIET_WAIT_S", 60, 0) * 1000,
    phaseLimitMs: int(env, "BENCH_PLACEMENT_PHASE_LIMIT_S", 60) * 1000,
    fillLimitMs: int(env, "BENCH_PLACEMENT_FILL_LIMIT_S", 300) * 1000,
    budgetMs: int(env, "BENCH_PLACEMENT_BUDGET_S", 1500) * 1000,
  };
}
