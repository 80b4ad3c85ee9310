import type { Leftovers } from "./drain.js";
import type { ManagerFigures } from "./manager-phases.js";
import type { PhaseResult } from "../lib/phase.js";
import { fileLines, logLines, phaseErrorLines, problemLines, type ResultFiles } from "../lib/results.js";
import { type Comparison, FIGURES, serverSeconds } from "./figures.js";
import { compareTargets, targetName } from "./rounds.js";
import { PHASE_TITLES, ratios, title, type PhaseKey, type RunRecord, type TargetRecord } from "./record.js";
import { summarize } from "../lib/stats.js";
import { ms, num, table, times } from "../lib/table.js";

// The run as people read it: for each checkout one table of phases, the Redis ratios, where the
// CPU went during the loaded phase, the fan-out and fleet figures, and anything that looked wrong;
// then issue 14's table with both checkouts side by side.

function phaseRows(r: TargetRecord): string[][] {
  const rows: string[][] = [];
  for (const k of Object.keys(PHASE_TITLES) as PhaseKey[]) {
    const p = r.phases[k];
    if (!p) continue;
    const s = summarize(p.latenciesMs);
    const cut = p.timedOut ? " (time limit)" : p.aborted + p.abandoned > 0 ? " (aborted)" : "";
    rows.push([
      title(r, k) + cut,
      num(p.total),
      num(p.ok),
      num(p.errors),
      ms(s?.mean),
      ms(s?.p50),
      ms(s?.p99),
      ms(s?.max),
      num(p.rate, 1),
      num(p.elapsedMs / 1000, 2),
    ]);
  }
  return rows;
}

function cpuRows(r: TargetRecord): string[][] {
  const use = r.cpu.createJoin;
  const p = r.phases.createJoin;
  if (!use || !p) return [];
  const wall = p.elapsedMs / 1000;
  const perRoom = (s: number | undefined) => (s === undefined || p.ok === 0 ? "n/a" : ((1000 * s) / p.ok).toFixed(3));
  const rows = use.map((u) => [
    u.name,
    u.seconds === undefined ? "n/a" : u.seconds.toFixed(2),
    u.seconds === undefined ? "n/a" : `${((100 * u.seconds) / wall).toFixed(0)}%`,
    perRoom(u.seconds),
    perRoom(u.kernelSeconds),
  ]);
  const system = use.filter((u) => u.name !== "bench client" && u.seconds !== undefined);
  const total = system.reduce((a, u) => a + u.seconds!, 0);
  const kernel = system.every((u) => u.kernelSeconds !== undefined)
    ? system.reduce((a, u) => a + u.kernelSeconds!, 0)
    : undefined;
  rows.push([
    "all but the client",
    total.toFixed(2),
    `${((100 * total) / wall).toFixed(0)}%`,
    perRoom(total),
    perRoom(kernel),
  ]);
  return rows;
}

/** Kinds of Redis key the memory line breaks down (the rest cost next to nothing per room). */
const KEY_KINDS_SHOWN = 6;

const LEFTOVER_TITLES: Record<string, string> = {
  afterCleanup: "after clean-up",
  afterWarmup: "after the warm-up",
  afterLoad: "after the loaded phase",
  afterJoins: "after the join phase",
  afterFanout: "after the fan-out",
};

function fanoutLines(r: TargetRecord): string[] {
  const f = r.fanout;
  if (!f) return [];
  const s = summarize(f.latenciesMs);
  const server = serverSeconds(r.fanoutCpu);
  const gen = r.fanoutCpu?.find((u) => u.name === "bench client")?.seconds;
  const wall = f.windowMs / 1000;
  return [
    "",
    `fan-out: ${f.rooms} rooms x ${f.players} players at ${f.ratePerPlayer} msg/s each, ${num(wall, 1)} s window: ` +
      `${num(f.sent)} sent, ${num(f.delivered)} of ${num(f.expected)} deliveries (${f.expected ? ((100 * f.delivered) / f.expected).toFixed(2) : "n/a"}%)` +
      `${f.bad ? `, ${f.bad} bad frames` : ""}; latency p50 ${ms(s?.p50)} ms, p99 ${ms(s?.p99)} ms, max ${ms(s?.max)} ms; ` +
      `server CPU ${server === undefined ? "n/a" : `${num(server, 2)} s (${((100 * server) / wall).toFixed(0)}% of a core)`}, ` +
      `load generator ${gen === undefined ? "n/a" : `${((100 * gen) / wall).toFixed(0)}% of a core`}` +
      (f.generatorDelayMs
        ? `, its event-loop delay p99 ${ms(f.generatorDelayMs.p99)} ms, max ${ms(f.generatorDelayMs.max)} ms (latency up to that is the generator's)`
        : ""),
    ...f.setupErrors.slice(0, 3).map((e) => `  set-up error: ${e}`),
  ];
}

/** How many reports went to the store and to the Manager, and its CPU per report (older runs' records lack the counts). */
function perReport(r: { perSecond?: number; writtenPerSecond?: number; managerCores?: number }): string {
  if (r.perSecond === undefined) return "reports n/a";
  const written = r.writtenPerSecond
    ? `${num(r.writtenPerSecond)} reports/s written to the store by the servers, `
    : "";
  const each =
    r.managerCores === undefined || r.perSecond <= 0 ? "n/a" : `${num((1e6 * r.managerCores) / r.perSecond)} µs`;
  return `${written}${num(r.perSecond)} reports/s to the Manager, Manager ${each} per report`;
}

function managerLines(r: TargetRecord): string[] {
  const g = r.manager;
  if (!g) return [];
  const out = [""];
  const pct = (v: number | undefined) => (v === undefined ? "n/a" : `${(100 * v).toFixed(1)}%`);
  if (g.reports)
    out.push(
      `load reports: ${num(g.servers)} simulated servers, load unchanged, looked at every 1 s for ${num(g.reports.seconds, 1)} s: ${perReport(g.reports)}; Manager ${pct(g.reports.managerCores)} of a core, Redis ${pct(g.reports.redisCores)}, simulator ${pct(g.reports.clientCores)}`,
    );
  if (g.memory)
    out.push(
      `Redis memory: ${num(g.memory.rooms)} live rooms through AllocateRoom (${num(g.fill?.rate ?? 0)}/s): used_memory ${num(g.memory.before)} -> ${num(g.memory.after)} B, ${num(g.memory.bytesPerRoom)} B per room`,
      ...keyKindLines(g.memory),
    );
  if (g.error) out.push(`load-report and Redis-memory phases FAILED: ${g.error}`);
  out.push(...g.problems.slice(0, 5).map((p) => `  problem: ${p}`));
  return out;
}

/** The costliest kinds of key, per live room (MEMORY USAGE: each key's name and overhead included). */
function keyKindLines(m: NonNullable<ManagerFigures["memory"]>): string[] {
  if (!m.keys || m.rooms === 0) return [];
  return m.keys
    .slice(0, KEY_KINDS_SHOWN)
    .map(
      (k) => `  ${k.kind}: ${num(k.keys)} key(s), ${num(k.bytes / m.rooms, 1)} B per room (${k.encodings.join(", ")})`,
    );
}

function cell(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? "n/a" : num(v, digits);
}

/** The order the rounds ran in: "baseline, new, new, baseline". */
function order(r: RunRecord): string {
  return r.targets.map((t) => t.label).join(", ");
}

/** Issue 14's table: each figure for both checkouts, new / baseline, the target and a verdict. */
export function issueTable(rows: Comparison[], r: RunRecord): string[] {
  const base = r.targets.find((t) => t.label === "baseline");
  const fresh = r.targets.find((t) => t.label === "new");
  const digits = (k: string) => FIGURES.find((f) => f.key === k)?.digits ?? 2;
  const body = rows.map((c) => [
    c.label,
    c.unit,
    cell(c.new, digits(c.key)),
    cell(c.baseline, digits(c.key)),
    c.ratio === undefined ? "n/a" : times(c.ratio),
    c.target ?? "",
    c.met === undefined ? (c.target ? "?" : "") : c.met ? "met" : "NOT met",
  ]);
  const rounds = r.options.rounds;
  return [
    `issue 14: new ${fresh?.commit ?? "?"} against baseline ${base ? (base.commit ?? base.root) : "(none: set BENCH_BASELINE_DIR)"}` +
      (rounds > 1 ? `; each figure the median of ${rounds} rounds, run ${order(r)}` : ""),
    table(["figure", "unit", "new", "baseline", "new/base", "target", "verdict"], body),
  ];
}

function targetText(r: TargetRecord, concurrency: number, rounds: number): string[] {
  const out: string[] = [];
  out.push("", `=== ${targetName(r.label, r.round, rounds)}: ${r.root} (${r.commit ?? "no git"}) ===`);
  if (r.mesh) out.push(`mesh: ${(r.mesh as { description?: string }).description}`);
  const ignored = (r.mesh as { ignoredSettings?: Record<string, string[]> } | undefined)?.ignoredSettings ?? {};
  const unread = Object.entries(ignored).filter(([, names]) => names.length > 0);
  if (unread.length > 0)
    out.push(
      `settings this checkout does not read (it predates them): ${unread.map(([c, n]) => `${c} ${n.join(", ")}`).join("; ")}`,
    );
  const rows = phaseRows(r);
  if (rows.length > 0)
    out.push(
      "",
      table(["phase", "ops", "ok", "errors", "mean ms", "p50 ms", "p99 ms", "max ms", "ops/s", "wall s"], rows),
    );

  const q = ratios(r);
  const c = concurrency;
  const rr = q.roomsPerSecondOverPairsPerSecond;
  const sr = q.sequentialCallsPerSecondOverPairsPerSecond;
  const ratioLines: [string, string][] = [
    ["CreateRoom p50 / Redis pair p50 (both 1 client)", times(q.createP50OverRedisP50)],
    ["CreateRoom p99 / Redis pair p99 (both 1 client)", times(q.createP99OverRedisP99)],
    [`create+join p50 / Redis pair p50 (both ${c} concurrent)`, times(q.createJoinP50OverRedisConcurrentP50)],
    [`create+join p99 / Redis pair p99 (both ${c} concurrent)`, times(q.createJoinP99OverRedisConcurrentP99)],
    [
      `rooms/s / Redis pairs/s (both ${c} concurrent)`,
      Number.isFinite(rr)
        ? `${rr.toFixed(4)}  (Redis does ${(1 / rr).toFixed(1)} pairs in the time of one room)`
        : "n/a",
    ],
    ["CreateRoom/s / Redis pairs/s (both 1 client)", Number.isFinite(sr) ? sr.toFixed(4) : "n/a"],
    ["clean-up p99 / Redis pair p99 (both 1 at a time)", times(q.cleanupP99OverRedisP99)],
    ["  the same, told by a keyspace event", times(q.cleanupNotifiedP99OverRedisP99)],
  ];
  const labelWidth = Math.max(...ratioLines.map(([l]) => l.length));
  if (ratioLines.some(([, v]) => v !== "n/a")) {
    out.push("", "relative to Redis in this run (one SET+GET pair = one unit):");
    for (const [label, value] of ratioLines) out.push(`  ${label.padEnd(labelWidth)}  ${value}`);
  }

  const cpu = cpuRows(r);
  if (cpu.length > 0) {
    out.push("");
    out.push(
      `CPU during the loaded phase (${num(r.phases.createJoin!.elapsedMs / 1000, 1)} s wall; /proc/<pid>/stat utime+stime):`,
    );
    out.push(table(["process", "cpu s", "of 1 core", "cpu ms/room", "of it kernel"], cpu));
  }

  if (r.spread) {
    out.push("");
    out.push(
      `rooms per game server: ${
        Object.entries(r.spread.byServer)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none"
      }`,
    );
    out.push(
      `rooms per gateway:     ${
        Object.entries(r.spread.byGateway)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none"
      }`,
    );
    if (r.spread.uncleanLeaves > 0) out.push(`leaves cut after a close timeout: ${r.spread.uncleanLeaves}`);
    const perSecond = r.phases.createJoin?.perSecond ?? [];
    // The last bucket is a partial second, so it is left out rather than read as a slowdown.
    if (perSecond.length > 1)
      out.push(`rooms done in each second of the loaded phase: ${perSecond.slice(0, -1).join(" ")}`);
  }
  for (const [when, l] of Object.entries(r.leftovers) as [string, Leftovers][]) {
    const rooms = Object.entries(l.serverRooms)
      .sort()
      .map(([k, v]) => `${k} ${v ?? "?"}`)
      .join(", ");
    out.push(
      `${LEFTOVER_TITLES[when] ?? when}: ${l.drained ? "drained" : "NOT drained"} in ${(l.waitedMs / 1000).toFixed(1)} s; rooms on servers: ${rooms}; room keys in Redis: ${l.redisRoomKeys}`,
    );
  }

  const errorLines = (Object.entries(r.phases) as [PhaseKey, PhaseResult][]).flatMap(([k, p]) =>
    phaseErrorLines(title(r, k), p),
  );
  if (errorLines.length > 0) out.push("", "errors:", ...errorLines);
  out.push(...fanoutLines(r), ...managerLines(r));
  out.push(...logLines(r.logs, "warn/error log lines from the components:"));
  if (r.skipped.length > 0) out.push("", `skipped: ${r.skipped.join(", ")}`);
  out.push(...problemLines(r.problems, r.error));
  return out;
}

export function summaryText(r: RunRecord, files: ResultFiles): string {
  const out: string[] = [];
  const m = r.machine as { cpuModel?: string; cpus?: number; node?: string };
  out.push(`roomgate benchmark  ${r.startedAt}${r.options.quick ? "  (--quick: smaller phases)" : ""}`);
  out.push(`machine: ${m.cpus} x ${m.cpuModel}, node ${m.node}`);
  out.push(`uptime at start: ${r.uptime.start ?? "n/a"}`, `uptime at end:   ${r.uptime.end ?? "n/a"}`);
  for (const t of r.targets) out.push(...targetText(t, r.options.concurrency, r.options.rounds));
  const rows = compareTargets(r);
  if (rows) out.push("", ...issueTable(rows, r));
  out.push(...problemLines(r.problems, r.error), "", ...fileLines(files));
  return out.join("\n") + "\n";
}
