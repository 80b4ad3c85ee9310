import { EnvOptions } from "../lib/options.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult } from "../lib/results.js";
import { machine, runMain, stopController } from "../lib/run-control.js";
import { num, table, times } from "../lib/table.js";
import { type FloorKind, type FloorResult, runFloor } from "./floor.js";

// npm run bench:reports: what a load report cannot cost a Manager less than, per transport, on
// this machine. Issue 14 asks that 1,000 servers reporting every second cost a Manager at most 5%
// of a core: 50 µs a report, receive and answer, all in. `npm run bench` measures what roomgate's
// Manager pays (its load-report phase); this run measures the same traffic against servers that do
// nothing else, on grpc-js (what the Manager serves Attach with) and on Node's bare HTTP/2.

const BUDGET_CORES = 0.05;

async function main(): Promise<number> {
  const env = new EnvOptions();
  const o = {
    servers: env.int("BENCH_REPORT_SERVERS", 1000),
    intervalMs: env.int("BENCH_REPORT_INTERVAL_MS", 1000, 100),
    seconds: env.int("BENCH_REPORT_SECONDS", 10),
  };
  const { stop, release } = stopController((o.seconds + 60) * 2 * 1000);
  const progress = new Progress();
  const startedAt = new Date().toISOString();
  const m = machine();
  const results: FloorResult[] = [];
  try {
    for (const kind of ["grpc-js", "http2"] as FloorKind[]) {
      if (stop.signal.aborted) break;
      results.push(await runFloor(kind, o, progress, stop.signal));
    }
  } finally {
    release();
  }
  const budgetUs = (BUDGET_CORES * 1e6 * o.intervalMs) / 1000 / o.servers;
  const rows = results.map((r) => [
    r.kind,
    num(r.perSecond),
    `${(100 * r.serverCores).toFixed(1)}%`,
    num(r.usPerReport, 1),
    num(r.sysUsPerReport, 1),
    `${(100 * r.answered).toFixed(1)}%`,
    `${(100 * r.clientCores).toFixed(0)}%`,
    times(r.usPerReport / budgetUs),
  ]);
  const out = [
    `load-report floor: ${o.servers} connections, one report each every ${o.intervalMs} ms, ${o.seconds} s measured (${m.cpus} cores, load ${m.loadavgStart[0]!.toFixed(1)} at the start)`,
    "",
    table(
      ["bare server", "reports/s", "server CPU", "µs/report", "of it kernel", "answered", "driver CPU", "÷ budget"],
      rows,
    ),
    "",
    `budget: ${(100 * BUDGET_CORES).toFixed(0)}% of a core for these reports is ${num(budgetUs, 1)} µs a report`,
  ];
  if (results.length === 2)
    out.push(`http2 / grpc-js per report: ${times(results[1]!.usPerReport / results[0]!.usPerReport)}`);
  const json = writeResult(
    `reports-floor-${resultStamp(startedAt)}.json`,
    JSON.stringify({ startedAt, machine: m, options: o, budgetUs, results }, null, 2),
  );
  out.push("", `json: ${json}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return results.length === 2 && results.every((r) => r.answered > 0.99) ? 0 : 1;
}

runMain("bench:reports", main);
