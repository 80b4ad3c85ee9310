import { loadavg } from "node:os";
import { latencyChart } from "../lib/latency-chart.js";
import { cleanupLatency } from "./cleanup.js";
import { CpuSampler } from "../lib/cpu.js";
import { waitForEmpty } from "./drain.js";
import { errorText } from "../lib/errors.js";
import { LogWatch } from "../lib/log-watch.js";
import { redisClient } from "../lib/redis.js";
import { startMesh, type Mesh } from "./mesh.js";
import { readOptions } from "./options.js";
import type { PhaseResult } from "../lib/phase.js";
import { clockTicks } from "../lib/proc.js";
import { Progress } from "../lib/progress.js";
import { resultStamp, writeResult, type ResultFiles } from "../lib/results.js";
import { machine, runMain, stopController } from "../lib/run-control.js";
import { redisPairs } from "./redis-baseline.js";
import { toJson, type PhaseKey, type RunRecord } from "./record.js";
import { summaryText } from "./summary.js";
import { closeRooms, createJoinLeave, sequentialCreates } from "./room-phases.js";
import { shutdown, Teardown } from "../lib/teardown.js";

// Entry point of the whole-system benchmark (`npm run bench`): starts a private mesh, runs the
// phases in order, writes bench/results/bench-<time>.json and latency-<time>.svg, prints the
// summary, and always takes the mesh down again. Exit code: 0 clean, 1 the run failed, 2 it
// finished but some operations failed or a phase hit its time limit.

/** How long rooms may take to close after their players left before it counts as a leak. */
const DRAIN_LIMIT_MS = 15_000;

async function main(): Promise<number> {
  const o = readOptions();
  const progress = new Progress();
  const note = (m: string) => progress.note(m);
  const teardown = new Teardown();
  const started = new Date();
  const record: RunRecord = {
    startedAt: started.toISOString(),
    options: o,
    machine: {
      ...machine(),
      clockTicks: clockTicks(),
    },
    phases: {},
    cpu: {},
    leftovers: {},
    skipped: [],
    problems: [],
  };

  const { stop, release } = stopController(o.budgetMs);

  const logs = new LogWatch();
  try {
    const m: Mesh = await startMesh(o, teardown, note);
    for (const p of m.cluster.procs) logs.watch(p);
    record.logs = logs.findings;
    record.mesh = {
      description: `1 manager, ${o.gateways} gateways, ${o.gameServers} game servers (separate processes), redis ${m.redisVersion} (${m.sharedRedis ? "REDIS_URL" : "private"}), all on 127.0.0.1`,
      redisVersion: m.redisVersion,
      sharedRedis: m.sharedRedis,
      keyPrefix: m.keyPrefix,
      gatewayEnv: m.env.gateway,
      gameServerEnv: m.env.gameServer,
      pids: Object.fromEntries(m.tracked.map((t) => [t.name, t.pid])),
    };
    const admin = redisClient(m.redisUrl);
    teardown.add("redis admin client", () => admin.disconnect());
    await admin.connect();

    const cpu = new CpuSampler(m.tracked);
    const common = { mesh: m, progress, signal: stop.signal, limitMs: o.phaseLimitMs };
    /** Runs one phase with its CPU use and log lines attributed to it; skipped once stopped. */
    const phase = async <T extends { result: PhaseResult }>(
      key: PhaseKey,
      fn: () => Promise<T>,
    ): Promise<T | undefined> => {
      if (stop.signal.aborted) {
        record.skipped.push(key);
        return undefined;
      }
      logs.enter(key);
      const before = cpu.sample();
      const out = await fn();
      record.cpu[key] = cpu.between(before, cpu.sample()).procs;
      record.phases[key] = out.result;
      return out;
    };
    const wrap = (p: Promise<PhaseResult>) => p.then((result) => ({ result }));
    const small = Math.min(o.concurrency, 10);

    if (o.warmup > 0)
      await phase("warmup", () => createJoinLeave({ ...common, name: "warm-up", total: o.warmup, concurrency: small }));
    const redis = {
      redisUrl: m.redisUrl,
      keyPrefix: m.keyPrefix,
      progress,
      signal: stop.signal,
      limitMs: o.phaseLimitMs,
    };
    await phase("redisSequential", () =>
      wrap(redisPairs({ ...redis, name: "Redis SET+GET sequential", total: o.sequential, concurrency: 1 })),
    );
    const seq = await phase("createSequential", () => sequentialCreates({ ...common, total: o.sequential }));
    if (seq && seq.rooms.length > 0) {
      await phase("closeSequential", () => wrap(closeRooms({ ...common, rooms: seq.rooms, concurrency: small })));
      logs.enter("drain");
      // Rooms the clean-up could not reach close when their tokens expire (JOIN_TOKEN_TTL_MS).
      record.leftovers.afterCleanup = await waitForEmpty(m.cluster, admin, m.keyPrefix, 35_000);
    }
    // Here, on a drained and otherwise idle mesh, so the figure is the clean-up path itself.
    if (o.cleanup > 0) await phase("cleanup", () => cleanupLatency({ ...common, total: o.cleanup }));
    await phase("redisConcurrent", () =>
      wrap(
        redisPairs({ ...redis, name: `Redis SET+GET x${o.concurrency}`, total: o.rooms, concurrency: o.concurrency }),
      ),
    );
    const load = await phase("createJoin", () =>
      createJoinLeave({ ...common, name: `create+join x${o.concurrency}`, total: o.rooms, concurrency: o.concurrency }),
    );
    if (load) record.spread = load.spread;
    // After an interrupt, rooms whose create finished but join did not wait out their tokens:
    // waiting for them would only delay the shutdown that was asked for.
    if (load && !stop.signal.aborted) {
      logs.enter("drain");
      record.leftovers.afterLoad = await waitForEmpty(m.cluster, admin, m.keyPrefix, DRAIN_LIMIT_MS);
    }
    if (stop.signal.aborted) record.problems.push(errorText(stop.signal.reason));
  } catch (e) {
    record.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    logs.enter("shutdown");
    note("stopping the mesh ...");
    record.problems.push(...(await shutdown(teardown, note)));
    release();
  }

  record.finishedAt = new Date().toISOString();
  (record.machine as Record<string, unknown>).loadavgEnd = loadavg();
  const stamp = resultStamp(record.startedAt);
  const p = record.phases;
  const series = [
    { label: "Redis SET+GET, 1 client", color: "#7f7f7f", samples: p.redisSequential?.latenciesMs ?? [] },
    {
      label: `Redis SET+GET, ${o.concurrency} loops`,
      color: "#7f7f7f",
      dashed: true,
      samples: p.redisConcurrent?.latenciesMs ?? [],
    },
    { label: "CreateRoom, 1 client", color: "#1f77b4", samples: p.createSequential?.latenciesMs ?? [] },
    { label: "last leave to key gone", color: "#2ca02c", samples: p.cleanup?.latenciesMs ?? [] },
    { label: `create+join, ${o.concurrency} clients`, color: "#d62728", samples: p.createJoin?.latenciesMs ?? [] },
  ];
  const svg = series.some((s) => s.samples.length > 0)
    ? latencyChart(
        "roomgate latency distributions",
        `${record.startedAt}  |  ${record.machine.cpus} CPUs, ${record.machine.cpuModel}`,
        series,
      )
    : undefined;
  const files: ResultFiles = {};
  try {
    files.json = writeResult(`bench-${stamp}.json`, JSON.stringify(toJson(record), null, 2) + "\n");
    if (svg !== undefined) files.svg = writeResult(`latency-${stamp}.svg`, svg);
  } catch (e) {
    record.problems.push(`cannot write results: ${errorText(e)}`);
  }
  process.stdout.write(summaryText(record, files));

  if (record.error) return 1;
  const measured = Object.values(record.phases);
  const incomplete = measured.some((r) => r.errors > 0 || r.timedOut || r.aborted > 0 || r.abandoned > 0);
  return incomplete || record.skipped.length > 0 || stop.signal.aborted ? 2 : 0;
}

runMain("bench", main);
