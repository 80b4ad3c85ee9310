import type { CpuUse } from "../lib/cpu.js";
import type { FanoutResult } from "./fanout.js";
import type { ManagerFigures } from "./manager-phases.js";
import type { Leftovers } from "./drain.js";
import type { LogFindings } from "../lib/log-watch.js";
import type { BenchOptions } from "./options.js";
import type { PhaseResult } from "../lib/phase.js";
import type { Spread } from "./room-phases.js";
import { ratio, summarize, type Summary } from "../lib/stats.js";

// What a run found, and its JSON form. Every room figure is also given as a multiple of the Redis
// figure measured in the same run on the same machine.

export type PhaseKey =
  | "warmup"
  | "redisSequential"
  | "createSequential"
  | "closeSequential"
  | "cleanup"
  | "cleanupNotified"
  | "redisConcurrent"
  | "createJoin"
  | "joins";

export const PHASE_TITLES: Record<PhaseKey, string> = {
  warmup: "warm-up create+join+leave (untimed)",
  redisSequential: "Redis SET+GET pair, 1 client",
  createSequential: "CreateRoom, 1 client (Connect, gw 0)",
  closeSequential: "join+leave of those rooms (clean-up)",
  cleanup: "last leave to room key gone, 1 room at a time",
  cleanupNotified: "the same, told by Redis (keyspace event)",
  redisConcurrent: "Redis SET+GET pair, N loops",
  createJoin: "CreateRoom + join to welcome, N clients",
  joins: "JoinRoom + welcome into open rooms, N clients",
};

/** The phases whose raw latencies are kept and charted. */
export const MEASURED: PhaseKey[] = [
  "redisSequential",
  "createSequential",
  "cleanup",
  "cleanupNotified",
  "redisConcurrent",
  "createJoin",
  "joins",
];

/** One checkout's measurements: every phase ran against a mesh of its own build. */
export interface TargetRecord {
  label: string;
  /** Which of the run's rounds (from 1). */
  round: number;
  root: string;
  commit?: string;
  startedAt: string;
  finishedAt?: string;
  mesh?: Record<string, unknown>;
  phases: Partial<Record<PhaseKey, PhaseResult>>;
  /** CPU seconds per process during each measured phase. */
  cpu: Partial<Record<PhaseKey, CpuUse[]>>;
  spread?: Spread;
  fanout?: FanoutResult;
  /** CPU seconds per process over the fan-out's measured window. */
  fanoutCpu?: CpuUse[];
  manager?: ManagerFigures;
  leftovers: {
    afterWarmup?: Leftovers;
    afterCleanup?: Leftovers;
    afterLoad?: Leftovers;
    afterJoins?: Leftovers;
    afterFanout?: Leftovers;
  };
  logs?: LogFindings;
  skipped: string[];
  problems: string[];
  error?: string;
}

export interface RunRecord {
  startedAt: string;
  finishedAt?: string;
  options: BenchOptions;
  machine: Record<string, unknown>;
  /** `uptime` at the start and the end: on a shared machine, how busy it was. */
  uptime: { start?: string; end?: string };
  /** In the order they ran. */
  targets: TargetRecord[];
  problems: string[];
  error?: string;
}

export interface Ratios {
  createP50OverRedisP50: number;
  createP99OverRedisP99: number;
  createJoinP50OverRedisConcurrentP50: number;
  createJoinP99OverRedisConcurrentP99: number;
  roomsPerSecondOverPairsPerSecond: number;
  sequentialCallsPerSecondOverPairsPerSecond: number;
  /**
   * The clean-up's p99 (polled, and told by a keyspace event) over one Redis pair's: the
   * clean-up is one room at a time, like the pairs, and crosses three processes to Redis's one,
   * so on a machine whose own round trips have long tails it shows how much of that is the machine.
   */
  cleanupP99OverRedisP99: number;
  cleanupNotifiedP99OverRedisP99: number;
}

/** The phase's title with its real client count. */
export function title(r: TargetRecord, k: PhaseKey): string {
  return PHASE_TITLES[k].replace(/\bN\b/, String(r.phases[k]?.concurrency ?? "N"));
}

function summaryOf(r: TargetRecord, k: PhaseKey): Summary | undefined {
  const p = r.phases[k];
  return p ? summarize(p.latenciesMs) : undefined;
}

export function ratios(r: TargetRecord): Ratios {
  const rs = summaryOf(r, "redisSequential");
  const cs = summaryOf(r, "createSequential");
  const rc = summaryOf(r, "redisConcurrent");
  const cj = summaryOf(r, "createJoin");
  return {
    createP50OverRedisP50: ratio(cs?.p50, rs?.p50),
    createP99OverRedisP99: ratio(cs?.p99, rs?.p99),
    createJoinP50OverRedisConcurrentP50: ratio(cj?.p50, rc?.p50),
    createJoinP99OverRedisConcurrentP99: ratio(cj?.p99, rc?.p99),
    roomsPerSecondOverPairsPerSecond: ratio(r.phases.createJoin?.rate, r.phases.redisConcurrent?.rate),
    sequentialCallsPerSecondOverPairsPerSecond: ratio(r.phases.createSequential?.rate, r.phases.redisSequential?.rate),
    cleanupP99OverRedisP99: ratio(summaryOf(r, "cleanup")?.p99, rs?.p99),
    cleanupNotifiedP99OverRedisP99: ratio(summaryOf(r, "cleanupNotified")?.p99, rs?.p99),
  };
}
