import { loadavg } from "node:os";
import { startRedis } from "../../testkit/redis-server.js";
import { errorText } from "../lib/errors.js";
import { LogWatch } from "../lib/log-watch.js";
import { redisClient } from "../lib/redis.js";
import { placementChart } from "./chart.js";
import { runConfig } from "./config.js";
import { readPlacementOptions } from "./options.js";
import { placementJson, placementSummary, type PlacementRecord } from "./report.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult, type ResultFiles } from "../lib/results.js";
import { git, machine, runMain, stopController } from "../lib/run-control.js";
import { summarize } from "../lib/stats.js";
import { shutdown, Teardown } from "../lib/teardown.js";

// Entry point of `npm run bench:placement` (issue 5): AllocateRoom latency and throughput against
// one Manager with 10, 100 and 1,000 registered servers, at ~0 and at 100,000 live rooms, to show
// whether placement cost grows with rooms or servers. Writes bench/results/placement-<time>.json
// and .svg, prints the table, and always takes down what it started. Exit code: 0 clean, 1 the
// run failed, 2 it finished but some calls failed or a phase was cut short.

async function main(): Promise<number> {
  const o = readPlacementOptions();
  const progress = new Progress();
  const note = (m: string) => progress.note(m);
  const teardown = new Teardown();
  const record: PlacementRecord = {
    startedAt: new Date().toISOString(),
    options: o,
    machine: {
      ...machine(),
      // The Manager measured is the working tree's build, which may hold uncommitted changes.
      dirty: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "",
    },
    configs: [],
    problems: [],
  };

  const { stop, release } = stopController(o.budgetMs);

  const logs = new LogWatch();
  record.logs = logs.findings;
  try {
    note("starting redis-server ...");
    const redis = await startRedis();
    teardown.add("redis-server", () => redis.stop());
    const admin = redisClient(redis.url);
    teardown.add("redis admin client", () => admin.disconnect());
    await admin.connect();
    record.redisVersion = /^redis_version:(.*)$/m.exec(await admin.info("server"))?.[1]?.trim();
    for (const n of o.servers) {
      if (stop.signal.aborted) break;
      const c = await runConfig(n, {
        o,
        redisUrl: redis.url,
        redisPid: redis.child.pid,
        admin,
        progress,
        logs,
        signal: stop.signal,
      });
      record.configs.push(c);
    }
    if (stop.signal.aborted) record.problems.push(errorText(stop.signal.reason));
  } catch (e) {
    record.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    logs.enter("shutdown");
    record.problems.push(...(await shutdown(teardown, note)));
    release();
  }

  record.finishedAt = new Date().toISOString();
  record.machine.loadavgEnd = loadavg();
  const stamp = resultStamp(record.startedAt);
  const files: ResultFiles = {};
  try {
    files.json = writeResult(`placement-${stamp}.json`, JSON.stringify(placementJson(record), null, 2) + "\n");
    const done = record.configs.filter((c) => c.small || c.full);
    if (done.length > 0) {
      const seq = (pick: "small" | "full", q: "p50" | "p99") =>
        done.map((c) => summarize(c[pick]?.sequential.latenciesMs ?? [])?.[q]);
      const rate = (pick: "small" | "full") => done.map((c) => c[pick]?.concurrent?.rate);
      const m = record.machine as { cpus?: number; cpuModel?: string };
      const svg = placementChart(
        "roomgate placement cost vs fleet size",
        `${record.startedAt}  |  ${m.cpus} CPUs, ${m.cpuModel}  |  ${o.calls} sequential calls, ${o.throughputCalls} at ${o.concurrency} in flight`,
        done.map((c) => c.servers),
        [
          {
            label: "~0 rooms",
            color: "#1f77b4",
            p50: seq("small", "p50"),
            p99: seq("small", "p99"),
            rate: rate("small"),
          },
          {
            label: `${Math.round(o.rooms / 1000)}k rooms`,
            color: "#d62728",
            p50: seq("full", "p50"),
            p99: seq("full", "p99"),
            rate: rate("full"),
          },
        ],
      );
      files.svg = writeResult(`placement-${stamp}.svg`, svg);
    }
  } catch (e) {
    record.problems.push(`cannot write results: ${errorText(e)}`);
  }
  process.stdout.write(placementSummary(record, files));

  if (record.error || record.configs.some((c) => c.error)) return 1;
  const phases = record.configs.flatMap((c) => [
    c.small?.sequential,
    c.small?.concurrent,
    c.fill,
    c.full?.sequential,
    c.full?.concurrent,
  ]);
  const incomplete = phases.some((p) => !p || p.errors > 0 || p.timedOut || p.aborted > 0 || p.abandoned > 0);
  const inconsistent = record.configs.some((c) => c.problems.length > 0);
  return incomplete || inconsistent || stop.signal.aborted ? 2 : 0;
}

runMain("placement bench", main);
