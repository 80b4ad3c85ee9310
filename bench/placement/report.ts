import type { LogFindings } from "../lib/log-watch.js";
import type { PhaseResult } from "../lib/phase.js";
import type { ConfigResult, Point } from "./config.js";
import type { PlacementOptions } from "./options.js";
import { fileLines, logLines, phaseErrorLines, phaseJson, problemLines, type ResultFiles } from "../lib/results.js";
import { ratio, summarize } from "../lib/stats.js";
import { ms, num, table, times } from "../lib/table.js";

// The run as people read it (one row per fleet size and room count), and its JSON form.

export interface PlacementRecord {
  startedAt: string;
  finishedAt?: string;
  options: PlacementOptions;
  machine: Record<string, unknown>;
  redisVersion?: string;
  configs: ConfigResult[];
  logs?: LogFindings;
  problems: string[];
  error?: string;
}

const MB = 2 ** 20;

function perAlloc(cpuS: number | undefined, p: PhaseResult | undefined): string {
  if (cpuS === undefined || !p || p.ok === 0) return "n/a";
  return ((1000 * cpuS) / p.ok).toFixed(3);
}

const us = (v: number | undefined) => (v === undefined ? "n/a" : v.toFixed(0));

function pointRow(c: ConfigResult, label: string, pt: Point | undefined): string[] {
  const s = pt && summarize(pt.sequential.latenciesMs);
  const q = pt?.concurrent && summarize(pt.concurrent.latenciesMs);
  const script = pt?.redisScripts?.ALLOCATE;
  const share = (cpuS: number | undefined, p: PhaseResult | undefined) =>
    cpuS === undefined || !p?.elapsedMs ? "n/a" : `${((100 * cpuS * 1000) / p.elapsedMs).toFixed(0)}%`;
  const elsewhere = pt
    ? `${share(pt.sequentialCpu.others, pt.sequential)} / ${share(pt.cpu.others, pt.concurrent)}`
    : "n/a";
  const cut = (p: PhaseResult | undefined) => (p && (p.timedOut || p.errors > 0 || p.aborted > 0) ? "*" : "");
  return [
    num(c.servers),
    label,
    pt ? `${num(pt.roomsBefore)}-${num(pt.roomsAfter)}` : "n/a",
    ms(s?.p50) + cut(pt?.sequential),
    ms(s?.p99),
    `${us(script?.p50)} / ${us(script?.p99)}`,
    ms(q?.p50) + cut(pt?.concurrent),
    ms(q?.p99),
    num(pt?.concurrent?.rate, 0),
    perAlloc(pt?.cpu.manager, pt?.concurrent),
    perAlloc(pt?.cpu.redis, pt?.concurrent),
    perAlloc(pt?.cpu.client, pt?.concurrent),
    elsewhere,
    pt?.redisUsedMemory === undefined ? "n/a" : (pt.redisUsedMemory / MB).toFixed(1),
  ];
}

function configRow(c: ConfigResult): string[] {
  const pct = (v: number | undefined) => (v === undefined ? "n/a" : `${(100 * v).toFixed(1)}%`);
  const grew =
    c.small?.redisUsedMemory !== undefined &&
    c.full?.redisUsedMemory !== undefined &&
    c.full.roomsBefore > c.small.roomsBefore
      ? (c.full.redisUsedMemory - c.small.redisUsedMemory) / (c.full.roomsBefore - c.small.roomsBefore)
      : undefined;
  const check = c.check
    ? `${num(c.check.fleetRooms)} / ${num(c.check.storeReservedRooms)} / ${c.check.lostStreams}`
    : "n/a";
  return [
    num(c.servers),
    num(c.maxRoomsPerServer),
    c.registerMs === undefined ? "n/a" : (c.registerMs / 1000).toFixed(2),
    pct(c.idle?.manager),
    pct(c.idle?.redis),
    pct(c.idle?.client),
    pct(c.idle?.others),
    num(c.fill?.rate, 0),
    c.fill ? (c.fill.elapsedMs / 1000).toFixed(1) : "n/a",
    grew === undefined ? "n/a" : num(grew, 0),
    check,
  ];
}

function growthLines(r: PlacementRecord): string[] {
  const out: string[] = [];
  for (const c of r.configs) {
    const a = c.small;
    const b = c.full;
    if (!a || !b) continue;
    const p = (pt: Point, q: number) => {
      const s = summarize(pt.sequential.latenciesMs);
      return q === 50 ? s?.p50 : s?.p99;
    };
    out.push(
      `  ${String(c.servers).padStart(5)} servers, ${num(b.roomsBefore)} vs ${num(a.roomsBefore)} rooms: ` +
        `p50 ${times(ratio(p(b, 50), p(a, 50)))}, p99 ${times(ratio(p(b, 99), p(a, 99)))}, ` +
        `in-Redis ALLOCATE p50 ${times(ratio(b.redisScripts?.ALLOCATE?.p50, a.redisScripts?.ALLOCATE?.p50))}, ` +
        `throughput ${times(ratio(b.concurrent?.rate, a.concurrent?.rate))}, Manager CPU/alloc ${times(ratio(cpuPer(b), cpuPer(a)))}`,
    );
  }
  return out;
}

/** The commands of one allocation (ALLOCATE, CONFIRM and the event PUBLISH) and of the fleet's upkeep. */
const SCRIPTS = ["ALLOCATE", "CONFIRM", "publish", "RECORD_LOADS"];

function scriptRows(r: PlacementRecord): string[][] {
  const rows: string[][] = [];
  for (const c of r.configs) {
    for (const [label, pt] of [
      ["~0 rooms", c.small],
      [`${Math.round(r.options.rooms / 1000)}k rooms`, c.full],
    ] as const) {
      if (!pt?.redisScripts) continue;
      rows.push([
        num(c.servers),
        label,
        ...SCRIPTS.map((k) => {
          const s = pt.redisScripts?.[k];
          return s ? `${num(s.n)}  ${us(s.p50)}/${us(s.p99)}` : "-";
        }),
      ]);
    }
  }
  return rows;
}

function cpuPer(pt: Point): number | undefined {
  return pt.cpu.manager === undefined || !pt.concurrent?.ok ? undefined : pt.cpu.manager / pt.concurrent.ok;
}

export function placementSummary(r: PlacementRecord, files: ResultFiles): string {
  const o = r.options;
  const out: string[] = [];
  const m = r.machine as { cpus?: number; cpuModel?: string; node?: string; commit?: string; dirty?: boolean };
  out.push(`roomgate placement benchmark  ${r.startedAt}`);
  out.push(
    `machine: ${m.cpus} x ${m.cpuModel}, node ${m.node}, commit ${m.commit ?? "?"}${m.dirty ? " (working tree modified)" : ""}, redis ${r.redisVersion ?? "?"}`,
  );
  out.push(
    `setup: 1 Manager process (Redis store, defaults), simulated game servers on real Attach streams (${o.serversPerConnection === 1 ? "one connection each" : `${o.serversPerConnection} per connection`}, ` +
      `load report every ${o.reportIntervalMs} ms, regions ${o.regions.join("/")}), AllocateRoom over gRPC straight to the Manager, ${o.seats} seats per room, all on 127.0.0.1`,
  );
  out.push("");
  out.push(
    `AllocateRoom: "seq" = ${num(o.calls)} calls one at a time; "x${o.concurrency}" = ${num(o.throughputCalls)} calls, ${o.concurrency} in flight (alloc/s is its rate).`,
  );
  out.push(
    `in-Redis: execution time of the store's ALLOCATE script inside Redis during the sequential calls (SLOWLOG at 0 µs): placement itself, without network or scheduling.`,
  );
  out.push(
    `CPU columns: CPU ms per allocation during the x${o.concurrency} phase (/proc utime+stime, fleet upkeep included); client = this process (allocator and simulated fleet);`,
  );
  out.push(
    `others = every other process on the machine during the seq and the x${o.concurrency} phase, in % of one core: a disturbed phase shows here`,
  );
  out.push(
    `(each phase first waits up to ${o.quietWaitMs / 1000} s for the others to use under ${Math.round(o.quietCores * 100)}% of a core).`,
  );
  const rows = r.configs.flatMap((c) => [
    pointRow(c, "~0 rooms", c.small),
    pointRow(c, `${Math.round(o.rooms / 1000)}k rooms`, c.full),
  ]);
  out.push(
    table(
      [
        "servers",
        "point",
        "live rooms",
        "seq p50 ms",
        "seq p99 ms",
        "in-Redis µs p50/p99",
        `x${o.concurrency} p50 ms`,
        `x${o.concurrency} p99 ms`,
        "alloc/s",
        "manager cpu ms",
        "redis cpu ms",
        "client cpu ms",
        "others seq/x64",
        "redis MiB",
      ],
      rows,
    ),
  );
  if (rows.some((row) => row.some((cell) => cell.endsWith("*"))))
    out.push("  (* the phase had errors or hit its time limit; see below)");
  out.push("");
  out.push(
    `per fleet size (idle = ${(o.idleMs / 1000).toFixed(0)} s with every server reporting and no allocations, in % of one core):`,
  );
  out.push(
    table(
      [
        "servers",
        "max rooms/server",
        "register s",
        "idle manager",
        "idle redis",
        "idle client",
        "idle others",
        "fill alloc/s",
        "fill s",
        "redis B/room",
        "fleet / store rooms / lost streams",
      ],
      r.configs.map(configRow),
    ),
  );
  const scripts = scriptRows(r);
  if (scripts.length > 0) {
    out.push(
      "",
      "store commands inside Redis during the sequential calls, µs (n: how many ran; load reports and dashboard events included):",
    );
    out.push(table(["servers", "point", ...SCRIPTS.map((k) => `${k} n p50/p99`)], scripts));
  }
  const growth = growthLines(r);
  if (growth.length > 0) out.push("", "at the full room count relative to ~0 rooms (1.00x = no growth):", ...growth);

  const errors: string[] = [];
  for (const c of r.configs) {
    const phases = [c.small?.sequential, c.small?.concurrent, c.fill, c.full?.sequential, c.full?.concurrent];
    for (const p of phases) {
      if (p) errors.push(...phaseErrorLines(p.name, p));
    }
    for (const pr of c.problems.slice(0, 10)) errors.push(`  ${c.servers} servers: ${pr}`);
    if (c.problems.length > 10) errors.push(`  ${c.servers} servers: ... ${c.problems.length - 10} more problems`);
    if (c.error) errors.push(`  ${c.servers} servers FAILED: ${c.error}`);
  }
  if (errors.length > 0) out.push("", "errors and problems:", ...errors);
  out.push(...logLines(r.logs, "warn/error log lines from the Manager:"), ...problemLines(r.problems, r.error), "");
  if (r.startedAt && r.finishedAt)
    out.push(`wall time: ${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(0)} s`);
  out.push(...fileLines(files));
  return out.join("\n") + "\n";
}

/** Phase summaries instead of raw samples, except the sequential ones, which are small and the point. */
function pointJson(pt: Point | undefined) {
  if (!pt) return undefined;
  return {
    ...pt,
    sequential: phaseJson(pt.sequential, true),
    concurrent: pt.concurrent && phaseJson(pt.concurrent, false),
  };
}

export function placementJson(r: PlacementRecord): unknown {
  return {
    ...r,
    configs: r.configs.map((c) => ({
      ...c,
      small: pointJson(c.small),
      fill: c.fill && phaseJson(c.fill, false),
      full: pointJson(c.full),
    })),
  };
}
