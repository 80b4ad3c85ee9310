import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { loadCheckout, thisCheckout } from "../lib/checkout.js";
import { errorText } from "../lib/errors.js";
import { clockTicks } from "../lib/proc.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult, type ResultFiles } from "../lib/results.js";
import { machine, runMain, stopController } from "../lib/run-control.js";
import { charts } from "./charts.js";
import { runOrder, targetName } from "./rounds.js";
import { readOptions } from "./options.js";
import type { RunRecord } from "./record.js";
import { toJson } from "./run-json.js";
import { summaryText } from "./summary.js";
import { runTarget } from "./target-run.js";

// Entry point of the whole-system benchmark (`npm run bench`, `npm run bench -- --quick`): runs
// every phase against a mesh of this checkout's build and, with BENCH_BASELINE_DIR, against that
// checkout's build too (each on its own Redis, in BENCH_ROUNDS rounds: rounds.ts), writes
// bench/results/bench-<time>.json and two SVG charts, prints the summary with issue 14's table,
// and always takes everything down again. Exit code: 0 clean, 1 the run failed, 2 it finished but
// some operations failed or a phase hit its time limit.

function uptime(): string | undefined {
  try {
    return execFileSync("uptime", { encoding: "utf8" }).trim();
  } catch {
    return `load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(", ")}`;
  }
}

async function main(): Promise<number> {
  const o = readOptions();
  const progress = new Progress();
  const note = (m: string) => progress.note(m);
  const record: RunRecord = {
    startedAt: new Date().toISOString(),
    options: o,
    machine: { ...machine(), clockTicks: clockTicks() },
    uptime: { start: uptime() },
    targets: [],
    problems: [],
  };
  note(`uptime at start: ${record.uptime.start}`);
  const { stop, release } = stopController(o.budgetMs);
  try {
    const base = o.baselineDir ? loadCheckout("baseline", resolve(o.baselineDir)) : undefined;
    for (const { checkout: c, round } of runOrder(thisCheckout(), base, o.rounds)) {
      if (stop.signal.aborted) break;
      note(`=== ${targetName(c.label, round, o.rounds)}: ${c.root} (${c.commit ?? "no git"}) ===`);
      record.targets.push(await runTarget(c, o, progress, stop.signal, round));
    }
    if (stop.signal.aborted) record.problems.push(errorText(stop.signal.reason));
  } catch (e) {
    record.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    release();
  }

  record.finishedAt = new Date().toISOString();
  record.uptime.end = uptime();
  (record.machine as Record<string, unknown>).loadavgEnd = loadavg();
  const stamp = resultStamp(record.startedAt);
  const files: ResultFiles = {};
  try {
    files.json = writeResult(`bench-${stamp}.json`, JSON.stringify(toJson(record), null, 2) + "\n");
    const svg = charts(record);
    if (svg.latency !== undefined) files.svg = writeResult(`latency-${stamp}.svg`, svg.latency);
    if (svg.targets !== undefined) files.targetsSvg = writeResult(`issue14-${stamp}.svg`, svg.targets);
  } catch (e) {
    record.problems.push(`cannot write results: ${errorText(e)}`);
  }
  process.stdout.write(summaryText(record, files));

  if (record.error || record.targets.some((t) => t.error)) return 1;
  const incomplete = record.targets.some(
    (t) =>
      Object.values(t.phases).some((r) => r.errors > 0 || r.timedOut || r.aborted > 0 || r.abandoned > 0) ||
      t.skipped.length > 0 ||
      (t.fanout !== undefined && t.fanout.setupErrors.length > 0) ||
      t.manager?.error !== undefined ||
      (t.manager?.fill !== undefined && t.manager.fill.errors > 0),
  );
  return incomplete || stop.signal.aborted ? 2 : 0;
}

runMain("bench", main);
