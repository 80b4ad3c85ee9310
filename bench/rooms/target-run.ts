import type { Checkout } from "../lib/checkout.js";
import { CpuSampler } from "../lib/cpu.js";
import { errorText } from "../lib/errors.js";
import { LogWatch } from "../lib/log-watch.js";
import type { PhaseResult } from "../lib/phase.js";
import { livingChildren } from "../lib/proc.js";
import type { Progress } from "../lib/progress.js";
import { redisClient } from "../lib/redis.js";
import { shutdown, Teardown } from "../lib/teardown.js";
import { cleanupLatency } from "./cleanup.js";
import { waitForEmpty } from "./drain.js";
import { fanout } from "./fanout.js";
import { joinsIntoRooms } from "./join-phase.js";
import { managerPhases } from "./manager-phases.js";
import { startMesh, type Mesh } from "./mesh.js";
import type { BenchOptions } from "./options.js";
import type { PhaseKey, TargetRecord } from "./record.js";
import { redisPairs } from "./redis-baseline.js";
import { closeRooms, createJoinLeave, sequentialCreates } from "./room-phases.js";

// Every phase against one checkout: its own private Redis and mesh, started, measured and taken
// down again, so a baseline and the new build never share a process or a Redis. The fleet phases
// (load reports, Redis memory) come last, after the mesh is stopped, on the same Redis.

/** How long rooms may take to close after their players left before it counts as a leak. */
const DRAIN_LIMIT_MS = 15_000;

export async function runTarget(
  checkout: Checkout,
  o: BenchOptions,
  progress: Progress,
  signal: AbortSignal,
  round = 1,
): Promise<TargetRecord> {
  const note = (m: string) => progress.note(m);
  const teardown = new Teardown();
  const preexisting = livingChildren();
  const record: TargetRecord = {
    label: checkout.label,
    round,
    root: checkout.root,
    commit: checkout.commit,
    startedAt: new Date().toISOString(),
    phases: {},
    cpu: {},
    leftovers: {},
    skipped: [],
    problems: [],
  };
  const logs = new LogWatch();
  record.logs = logs.findings;
  try {
    const m: Mesh = await startMesh(checkout, o, teardown, note);
    for (const p of m.cluster.procs) logs.watch(p);
    record.mesh = {
      description: `1 manager, ${o.gateways} gateway(s), ${o.gameServers} game servers (separate processes of ${checkout.root}), redis ${m.redisVersion} (${m.sharedRedis ? "REDIS_URL" : "private"}), all on 127.0.0.1`,
      redisVersion: m.redisVersion,
      sharedRedis: m.sharedRedis,
      keyPrefix: m.keyPrefix,
      gatewayEnv: m.env.gateway,
      gameServerEnv: m.env.gameServer,
      ignoredSettings: m.env.ignored,
      pids: Object.fromEntries(m.tracked.map((t) => [t.name, t.pid])),
    };
    const admin = redisClient(m.redisUrl);
    teardown.add("redis admin client", () => admin.disconnect());
    await admin.connect();

    const cpu = new CpuSampler(m.tracked);
    const tag = (name: string) => `[${checkout.label}] ${name}`;
    const common = { mesh: m, progress, signal, limitMs: o.phaseLimitMs };
    /** Runs one phase with its CPU use and log lines attributed to it; skipped once stopped. */
    const phase = async <T extends { result: PhaseResult }>(
      key: PhaseKey,
      fn: () => Promise<T>,
    ): Promise<T | undefined> => {
      if (signal.aborted) {
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
    const drain = async (when: keyof TargetRecord["leftovers"], limitMs: number) => {
      // After an interrupt, rooms whose create finished but join did not wait out their tokens:
      // waiting for them would only delay the shutdown that was asked for.
      if (signal.aborted) return;
      logs.enter("drain");
      record.leftovers[when] = await waitForEmpty(m.cluster, admin, m.keyPrefix, limitMs);
    };
    const wrap = (p: Promise<PhaseResult>) => p.then((result) => ({ result }));
    const small = Math.min(o.concurrency, 10);
    const redis = { redisUrl: m.redisUrl, keyPrefix: m.keyPrefix, progress, signal, limitMs: o.phaseLimitMs };

    if (o.warmup > 0) {
      await phase("warmup", () =>
        createJoinLeave({ ...common, name: tag("warm-up"), total: o.warmup, concurrency: o.concurrency }),
      );
      await drain("afterWarmup", DRAIN_LIMIT_MS);
    }
    await phase("redisSequential", () =>
      wrap(redisPairs({ ...redis, name: tag("Redis SET+GET sequential"), total: o.sequential, concurrency: 1 })),
    );
    const seq = await phase("createSequential", () => sequentialCreates({ ...common, total: o.sequential }));
    if (seq && seq.rooms.length > 0) {
      await phase("closeSequential", () => wrap(closeRooms({ ...common, rooms: seq.rooms, concurrency: small })));
      // Rooms the clean-up could not reach close when their tokens expire (JOIN_TOKEN_TTL_MS).
      await drain("afterCleanup", 35_000);
    }
    // Here, on a drained and otherwise idle mesh, so the figure is the clean-up path itself.
    if (o.cleanup > 0) {
      await phase("cleanup", () => cleanupLatency({ ...common, total: o.cleanup, watch: "poll" }));
      await phase("cleanupNotified", () => cleanupLatency({ ...common, total: o.cleanup, watch: "notify" }));
    }
    await phase("redisConcurrent", () =>
      wrap(
        redisPairs({
          ...redis,
          name: tag(`Redis SET+GET x${o.concurrency}`),
          total: o.rooms,
          concurrency: o.concurrency,
        }),
      ),
    );
    const load = await phase("createJoin", () =>
      createJoinLeave({
        ...common,
        name: tag(`create+join x${o.concurrency}`),
        total: o.rooms,
        concurrency: o.concurrency,
      }),
    );
    if (load) {
      record.spread = load.spread;
      await drain("afterLoad", DRAIN_LIMIT_MS);
    }
    if (o.joins > 0) {
      const joins = await phase("joins", () =>
        joinsIntoRooms({ ...common, total: o.joins, concurrency: o.concurrency }),
      );
      if (joins) {
        if (record.spread) record.spread.uncleanLeaves += joins.uncleanLeaves;
        await drain("afterJoins", DRAIN_LIMIT_MS);
      }
    }
    if (o.fanoutRooms > 0 && !signal.aborted) {
      logs.enter("fanout");
      const f = await fanout({
        ...common,
        rooms: o.fanoutRooms,
        players: o.fanoutPlayers,
        rate: o.fanoutRate,
        seconds: o.fanoutSeconds,
        cpu,
      });
      record.fanout = f;
      if (f.cpu) record.fanoutCpu = cpu.between(f.cpu.a, f.cpu.b).procs;
      record.problems.push(...f.setupErrors.slice(0, 5));
      await drain("afterFanout", DRAIN_LIMIT_MS);
    }
    // The fleet phases measure one Manager alone: the mesh's processes would only add noise.
    note(`[${checkout.label}] stopping the mesh's processes ...`);
    await m.cluster.stop();
    if ((o.reportServers > 0 || o.redisRooms > 0) && !signal.aborted)
      record.manager = await managerPhases({
        checkout,
        redisUrl: m.redisUrl,
        redisPid: m.redisPid,
        sharedRedis: m.sharedRedis,
        admin,
        servers: o.reportServers,
        reportSeconds: o.reportSeconds,
        rooms: o.redisRooms,
        limitMs: Math.max(o.phaseLimitMs, 300_000),
        progress,
        logs,
        signal,
      });
    if (signal.aborted) record.problems.push(errorText(signal.reason));
  } catch (e) {
    record.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    note(`[${checkout.label}] failed: ${errorText(e)}`);
  } finally {
    logs.enter("shutdown");
    note(`[${checkout.label}] stopping the mesh ...`);
    record.problems.push(...(await shutdown(teardown, note, preexisting)));
    record.finishedAt = new Date().toISOString();
  }
  return record;
}
