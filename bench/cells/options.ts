import { EnvOptions } from "../lib/options.js";

// `npm run bench:cells` settings (env), each bounded so a typo fails at start.

export interface CellsOptions {
  cells: number;
  serversPerCell: number;
  /** Allocations per throughput phase (one phase per cluster size). */
  allocations: number;
  /** Allocations in flight at once: enough to keep one master busy. */
  concurrency: number;
  /** Live rooms for the memory phase. */
  memoryRooms: number;
  budgetMs: number;
}

export function readCellsOptions(env = new EnvOptions()): CellsOptions {
  return {
    cells: env.int("CELLS_BENCH_CELLS", 12),
    serversPerCell: env.int("CELLS_BENCH_SERVERS_PER_CELL", 4),
    allocations: env.int("CELLS_BENCH_ALLOCATIONS", 40_000, 100),
    concurrency: env.int("CELLS_BENCH_CONCURRENCY", 256),
    memoryRooms: env.int("CELLS_BENCH_MEMORY_ROOMS", 1_000_000, 1000),
    budgetMs: env.secondsAsMs("CELLS_BENCH_BUDGET_S", 900),
  };
}
