import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CpuUse } from "./cpu.js";
import type { Leftovers } from "./drain.js";
import type { LogFindings } from "./log-watch.js";
import type { BenchOptions } from "./options.js";
import type { PhaseResult } from "./phase.js";
import type { Spread } from "./room-phases.js";
import { ratio, roundMs, summarize, type Summary } from "./stats.js";

// What a run found, and its JSON form. Every room figure is also given as a multiple of the Redis
// figure measured in the same run on the same machine.

export type PhaseKey = "warmup" | "redisSequential" | "createSequential" | "closeSequential" | "cleanup" | "redisConcurrent" | "createJoin";

export const PHASE_TITLES: Record<PhaseKey, string> = {
  warmup: "warm-up create+join+leave (untimed)",
  redisSequential: "Redis SET+GET pair, 1 client",
  createSequential: "CreateRoom, 1 client (Connect, gw 0)",
  closeSequential: "join+leave of those rooms (clean-up)",
  cleanup: "last leave to room key gone, 1 room at a time",
  redisConcurrent: "Redis SET+GET pair, N loops",
  createJoin: "CreateRoom + join to welcome, N clients",
};

/** The phases whose raw latencies are kept and charted. */
const MEASURED: PhaseKey[] = ["redisSequential", "createSequential", "cleanup", "redisConcurrent", "createJoin"];

export interface RunRecord {
  startedAt: string;
  finishedAt?: string;
  options: BenchOptions;
  machine: Record<string, unknown>;
  mesh?: Record<string, unknown>;
  phases: Partial<Record<PhaseKey, PhaseResult>>;
  /** CPU seconds per process during each measured phase. */
  cpu: Partial<Record<PhaseKey, CpuUse[]>>;
  spread?: Spread;
  leftovers: { afterCleanup?: Leftovers; afterLoad?: Leftovers };
  logs?: LogFindings;
  skipped: string[];
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
}

/** The phase's title with its real client count. */
export function title(r: RunRecord, k: PhaseKey): string {
  return PHASE_TITLES[k].replace(/\bN\b/, String(r.phases[k]?.concurrency ?? r.options.concurrency));
}

function summaryOf(r: RunRecord, k: PhaseKey): Summary | undefined {
  const p = r.phases[k];
  return p ? summarize(p.latenciesMs) : undefined;
}

export function ratios(r: RunRecord): Ratios {
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
  };
}

export function toJson(r: RunRecord): unknown {
  const phases: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(r.phases) as [PhaseKey, PhaseResult][]) {
    const { latenciesMs, ...rest } = p;
    const s = summarize(latenciesMs);
    phases[k] = {
      title: title(r, k),
      ...rest,
      elapsedMs: roundMs(p.elapsedMs),
      rate: Math.round(p.rate * 100) / 100,
      latencyMs: s && Object.fromEntries(Object.entries(s).map(([name, v]) => [name, name === "n" ? v : roundMs(v)])),
      // Raw samples in completion order, for re-analysis; only where they are the point.
      samplesMs: MEASURED.includes(k) ? latenciesMs.map(roundMs) : undefined,
    };
  }
  return { ...r, phases, ratios: ratios(r) };
}

export function writeResults(dir: string, stamp: string, r: RunRecord, svg: string | undefined): { json: string; svg?: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `bench-${stamp}.json`);
  writeFileSync(json, JSON.stringify(toJson(r), null, 2) + "\n");
  if (svg === undefined) return { json };
  const svgPath = join(dir, `latency-${stamp}.svg`);
  writeFileSync(svgPath, svg);
  return { json, svg: svgPath };
}

