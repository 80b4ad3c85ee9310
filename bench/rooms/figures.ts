import type { CpuUse } from "../lib/cpu.js";
import { ratio, summarize } from "../lib/stats.js";
import type { TargetRecord } from "./record.js";

// Issue 14's figures, read from one checkout's measurements, and its targets: most are a ratio to
// the baseline (commit 78a0691) measured in the same run, three are absolute. Server CPU is every
// roomgate process (Manager, Gateways, game servers); never Redis, never the load generator.

export interface Figures {
  roomsPerSecond?: number;
  /** The load generator's CPU during the create+join phase, in cores. */
  loadGeneratorCores?: number;
  serverCpuMsPerRoom?: number;
  /** The same split: the processes' own code (utime) and the kernel working for them (stime). */
  serverUserCpuMsPerRoom?: number;
  serverKernelCpuMsPerRoom?: number;
  createP50Ms?: number;
  createP99Ms?: number;
  joinsPerSecond?: number;
  fanoutCpuUsPerMessage?: number;
  fanoutKernelUsPerMessage?: number;
  fanoutDeliveryPercent?: number;
  fanoutP99Ms?: number;
  cleanupP99Ms?: number;
  cleanupNotifiedP99Ms?: number;
  redisBytesPerRoom?: number;
  loadReportsCorePercent?: number;
}

export type FigureKey = keyof Figures;

/** A target: new/baseline within [min, max], or the new value itself within them. */
export interface Target {
  kind: "ratio" | "absolute";
  min?: number;
  max?: number;
  text: string;
}

export interface FigureSpec {
  key: FigureKey;
  label: string;
  unit: string;
  digits: number;
  target?: Target;
}

const ratioAtMost = (max: number, text: string): Target => ({ kind: "ratio", max, text });
const atMost = (max: number, text: string): Target => ({ kind: "absolute", max, text });

/** Key, label, unit, digits and target of each figure, in the order the table prints them. */
const ROWS: [FigureKey, string, string, number, Target?][] = [
  ["roomsPerSecond", "rooms created+joined/s (50 clients)", "/s", 0, { kind: "ratio", min: 1.5, text: ">= 1.5x" }],
  ["loadGeneratorCores", "  load generator CPU meanwhile", "cores", 2],
  ["serverCpuMsPerRoom", "server CPU per room created+joined", "ms", 3, ratioAtMost(1 / 3, "<= 1/3")],
  ["serverUserCpuMsPerRoom", "  of it user space (the processes' code)", "ms", 3],
  ["serverKernelCpuMsPerRoom", "  of it kernel (system calls)", "ms", 3],
  ["createP50Ms", "CreateRoom, 1 client: p50", "ms", 2, ratioAtMost(1 / 3, "<= 1/3")],
  ["createP99Ms", "CreateRoom, 1 client: p99", "ms", 2, ratioAtMost(1 / 2, "<= 1/2")],
  ["joinsPerSecond", "joins/s into open rooms (50 clients)", "/s", 0],
  ["fanoutCpuUsPerMessage", "fan-out: server CPU per delivered msg", "µs", 2, ratioAtMost(1 / 2, "<= 1/2")],
  ["fanoutKernelUsPerMessage", "  of it kernel (system calls)", "µs", 2],
  ["fanoutDeliveryPercent", "fan-out: delivered", "%", 2, { kind: "absolute", min: 100, text: "100%" }],
  ["fanoutP99Ms", "fan-out: send to receive p99", "ms", 2, ratioAtMost(1, "no worse")],
  ["cleanupP99Ms", "clean-up: last leave to mapping gone p99", "ms", 2, atMost(2, "<= 2 ms")],
  ["cleanupNotifiedP99Ms", "  the same, told by a keyspace event", "ms", 2, atMost(2, "<= 2 ms")],
  ["redisBytesPerRoom", "Redis memory per live room", "B", 0, atMost(400, "<= 400 B")],
  ["loadReportsCorePercent", "load reports: Manager CPU", "% core", 1, atMost(5, "<= 5%")],
];

export const FIGURES: FigureSpec[] = ROWS.map(([key, label, unit, digits, target]) => ({
  key,
  label,
  unit,
  digits,
  target,
}));

const LOAD_GENERATOR = "bench client";
const NOT_SERVER = new Set(["redis", LOAD_GENERATOR]);

/**
 * CPU seconds of every roomgate process (or only their kernel part); undefined when any of them
 * could not be read.
 */
export function serverSeconds(use: CpuUse[] | undefined, part: "seconds" | "kernelSeconds" = "seconds") {
  if (!use) return undefined;
  const server = use.filter((u) => !NOT_SERVER.has(u.name));
  if (server.length === 0 || server.some((u) => u[part] === undefined)) return undefined;
  return server.reduce((a, u) => a + u[part]!, 0);
}

const minus = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a - b;

const finite = (v: number) => (Number.isFinite(v) ? v : undefined);

export function figures(r: TargetRecord): Figures {
  const cj = r.phases.createJoin;
  const seq = r.phases.createSequential && summarize(r.phases.createSequential.latenciesMs);
  const clean = r.phases.cleanup && summarize(r.phases.cleanup.latenciesMs);
  const told = r.phases.cleanupNotified && summarize(r.phases.cleanupNotified.latenciesMs);
  const f = r.fanout;
  const gen = r.cpu.createJoin?.find((u) => u.name === LOAD_GENERATOR)?.seconds;
  const fanSeconds = serverSeconds(r.fanoutCpu);
  const rooms = cj && cj.ok / 1000;
  const roomSeconds = serverSeconds(r.cpu.createJoin);
  const roomKernel = serverSeconds(r.cpu.createJoin, "kernelSeconds");
  const perDelivery = f && f.delivered / 1e6;
  return {
    roomsPerSecond: cj?.rate,
    loadGeneratorCores: finite(ratio(gen, cj && cj.elapsedMs / 1000)),
    serverCpuMsPerRoom: finite(ratio(roomSeconds, rooms)),
    serverUserCpuMsPerRoom: finite(ratio(minus(roomSeconds, roomKernel), rooms)),
    serverKernelCpuMsPerRoom: finite(ratio(roomKernel, rooms)),
    createP50Ms: seq?.p50,
    createP99Ms: seq?.p99,
    joinsPerSecond: r.phases.joins?.rate,
    fanoutCpuUsPerMessage: finite(ratio(fanSeconds, perDelivery)),
    fanoutKernelUsPerMessage: finite(ratio(serverSeconds(r.fanoutCpu, "kernelSeconds"), perDelivery)),
    fanoutDeliveryPercent: f && f.expected > 0 ? (100 * f.delivered) / f.expected : undefined,
    fanoutP99Ms: f && summarize(f.latenciesMs)?.p99,
    cleanupP99Ms: clean?.p99,
    cleanupNotifiedP99Ms: told?.p99,
    redisBytesPerRoom: r.manager?.memory?.bytesPerRoom,
    loadReportsCorePercent:
      r.manager?.reports?.managerCores === undefined ? undefined : 100 * r.manager.reports.managerCores,
  };
}

export interface Comparison {
  key: FigureKey;
  label: string;
  unit: string;
  new?: number;
  baseline?: number;
  /** new / baseline. */
  ratio?: number;
  target?: string;
  /** Whether the target is met; undefined when it cannot be told (a figure or the baseline missing). */
  met?: boolean;
}

function within(v: number, t: Target): boolean {
  return (t.min === undefined || v >= t.min - 1e-9) && (t.max === undefined || v <= t.max + 1e-9);
}

export function compare(fresh: Figures, base: Figures | undefined): Comparison[] {
  return FIGURES.map((s) => {
    const n = fresh[s.key];
    const b = base?.[s.key];
    const q = finite(ratio(n, b));
    const t = s.target;
    const judged = t?.kind === "ratio" ? q : n;
    return {
      key: s.key,
      label: s.label,
      unit: s.unit,
      new: n,
      baseline: b,
      ratio: q,
      target: t?.text,
      met: t && judged !== undefined ? within(judged, t) : undefined,
    };
  });
}
