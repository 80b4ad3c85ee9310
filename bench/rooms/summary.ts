import type { Leftovers } from "./drain.js";
import type { PhaseResult } from "../lib/phase.js";
import { fileLines, logLines, phaseErrorLines, problemLines, type ResultFiles } from "../lib/results.js";
import { PHASE_TITLES, ratios, title, type PhaseKey, type RunRecord } from "./record.js";
import { summarize } from "../lib/stats.js";
import { ms, num, table, times } from "../lib/table.js";

// The run as people read it: one table of phases, the Redis ratios, where the CPU went during the
// loaded phase, and anything that looked wrong.

function phaseRows(r: RunRecord): string[][] {
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

function cpuRows(r: RunRecord): string[][] {
  const use = r.cpu.createJoin;
  const p = r.phases.createJoin;
  if (!use || !p) return [];
  const wall = p.elapsedMs / 1000;
  const rows = use.map((u) => [
    u.name,
    u.seconds === undefined ? "n/a" : u.seconds.toFixed(2),
    u.seconds === undefined ? "n/a" : `${((100 * u.seconds) / wall).toFixed(0)}%`,
    u.seconds === undefined || p.ok === 0 ? "n/a" : ((1000 * u.seconds) / p.ok).toFixed(3),
  ]);
  const system = use.filter((u) => u.name !== "bench client" && u.seconds !== undefined);
  const total = system.reduce((a, u) => a + u.seconds!, 0);
  rows.push([
    "all but the client",
    total.toFixed(2),
    `${((100 * total) / wall).toFixed(0)}%`,
    p.ok ? ((1000 * total) / p.ok).toFixed(3) : "n/a",
  ]);
  return rows;
}

export function summaryText(r: RunRecord, files: ResultFiles): string {
  const out: string[] = [];
  const m = r.machine as { cpuModel?: string; cpus?: number; node?: string; loadavgStart?: number[] };
  out.push(`roomgate benchmark  ${r.startedAt}`);
  out.push(
    `machine: ${m.cpus} x ${m.cpuModel}, node ${m.node}, load average at start ${m.loadavgStart?.map((v) => v.toFixed(2)).join(" ")}`,
  );
  if (r.mesh) out.push(`mesh: ${(r.mesh as { description?: string }).description}`);
  const rows = phaseRows(r);
  if (rows.length > 0)
    out.push(
      "",
      table(["phase", "ops", "ok", "errors", "mean ms", "p50 ms", "p99 ms", "max ms", "ops/s", "wall s"], rows),
    );

  const q = ratios(r);
  const c = r.options.concurrency;
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
    out.push(table(["process", "cpu s", "of 1 core", "cpu ms/room"], cpu));
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
      `${when === "afterLoad" ? "after the loaded phase" : "after clean-up"}: ${l.drained ? "drained" : "NOT drained"} in ${(l.waitedMs / 1000).toFixed(1)} s; rooms on servers: ${rooms}; room keys in Redis: ${l.redisRoomKeys}`,
    );
  }

  const errorLines = (Object.entries(r.phases) as [PhaseKey, PhaseResult][]).flatMap(([k, p]) =>
    phaseErrorLines(title(r, k), p),
  );
  if (errorLines.length > 0) out.push("", "errors:", ...errorLines);
  out.push(...logLines(r.logs, "warn/error log lines from the components:"));
  if (r.skipped.length > 0) out.push("", `skipped: ${r.skipped.join(", ")}`);
  out.push(...problemLines(r.problems, r.error), "", ...fileLines(files));
  return out.join("\n") + "\n";
}
