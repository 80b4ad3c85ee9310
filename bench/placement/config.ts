import type { Redis } from "ioredis";
import { errorText } from "../lib/errors.js";
import type { LogWatch } from "../lib/log-watch.js";
import { runPhase, type PhaseResult } from "../lib/phase.js";
import { Allocator } from "./allocator.js";
import { Fleet } from "./fleet.js";
import { startManagerProcess } from "./manager.js";
import type { PlacementOptions } from "./options.js";
import { PlacementCpu, type CpuSeconds } from "./cpu.js";
import type { QuietWait } from "../lib/cpu.js";
import { sleep } from "../lib/run-control.js";
import { reservedRooms, scriptTimes, startScriptTiming, usedMemory } from "./redis.js";
import type { Progress } from "../lib/progress.js";
import type { Summary } from "../lib/stats.js";
import { Teardown } from "../lib/teardown.js";

// One fleet size, measured twice: from an empty store, and again once it holds the full room
// count. Everything is fresh for each size (an empty Redis, a new Manager process, new streams),
// so no size inherits another's state.

/** Settling time after the fill, so its garbage and Redis's rehashing are not in the next figures. */
const SETTLE_MS = 2000;
const ATTACH_LIMIT_MS = 60_000;
/** How long closed warm-up rooms may take to leave the store. */
const EMPTY_LIMIT_MS = 30_000;

export interface Point {
  /** Live rooms when the point's first call started, and after its last. */
  roomsBefore: number;
  roomsAfter: number;
  redisUsedMemory?: number;
  sequential: PhaseResult;
  /** Execution time inside Redis (µs) of each store script during the sequential phase. */
  redisScripts?: Record<string, Summary>;
  /** CPU seconds of each process during the sequential phase. */
  sequentialCpu: CpuSeconds;
  /** How long each phase waited for the rest of the machine to go quiet, and whether it did. */
  quiet: { sequential?: QuietWait; concurrent?: QuietWait };
  concurrent?: PhaseResult;
  /** CPU seconds of each process during the concurrent phase. */
  cpu: CpuSeconds;
}

export interface ConfigResult {
  servers: number;
  maxRoomsPerServer: number;
  maxPlayersPerServer: number;
  keyPrefix: string;
  registerMs?: number;
  /** Cores used with the fleet attached and reporting, and no allocations: the fleet's upkeep. */
  idle?: { seconds: number; manager?: number; redis?: number; client?: number; others?: number };
  redisMemoryRegistered?: number;
  warmup?: { calls: number; rate: number; closed: number; emptyAfterMs: number; left: number };
  small?: Point;
  fill?: PhaseResult;
  full?: Point;
  check?: { fleetRooms: number; storeReservedRooms: number; lostStreams: number };
  problems: string[];
  error?: string;
}

export interface ConfigContext {
  o: PlacementOptions;
  redisUrl: string;
  redisPid: number | undefined;
  admin: Redis;
  progress: Progress;
  logs: LogWatch;
  signal: AbortSignal;
}

export async function runConfig(n: number, c: ConfigContext): Promise<ConfigResult> {
  const o = c.o;
  const tag = `${n} servers`;
  const note = (m: string) => c.progress.note(`[${tag}] ${m}`);
  // Twice what the run places, so no server ever fills up (a region's share included).
  const planned = o.rooms + o.warmup + 2 * (o.calls + o.throughputCalls);
  const maxRooms = Math.ceil((2 * planned) / n);
  const r: ConfigResult = {
    servers: n,
    maxRoomsPerServer: maxRooms,
    maxPlayersPerServer: maxRooms * o.seats,
    keyPrefix: `placement-${n}-${Date.now().toString(36)}:`,
    problems: [],
  };
  const teardown = new Teardown();
  let fleet: Fleet | undefined;
  let allocator: Allocator | undefined;
  // Teardown runs backwards: the Manager goes first, so it never sees streams end that it would
  // have to act on, then the fleet's streams, then the allocation client.
  teardown.add("allocation client", () => allocator?.close());
  teardown.add("simulated servers", () => fleet?.stop());
  try {
    await c.admin.flushall();
    note("starting the Manager ...");
    c.logs.enter(`${tag}: start-up`);
    const m = await startManagerProcess(c.redisUrl, r.keyPrefix, `manager-${n}`);
    c.logs.watch(m.proc);
    teardown.add("manager", () => {
      if (fleet) fleet.stopping = true;
      return m.stop();
    });
    const cpu = new PlacementCpu({ manager: m.proc.pid, redis: c.redisPid });

    note(
      `attaching ${n} simulated servers (${maxRooms} rooms, ${maxRooms * o.seats} players each; regions ${o.regions.join(", ")}) ...`,
    );
    fleet = new Fleet({
      managerAddress: m.address,
      count: n,
      idPrefix: `sim-${n}-`,
      regions: o.regions,
      maxRooms,
      maxPlayers: maxRooms * o.seats,
      reportIntervalMs: o.reportIntervalMs,
      serversPerConnection: o.serversPerConnection,
    });
    const f = fleet;
    r.registerMs = await f.attach(ATTACH_LIMIT_MS);
    r.redisMemoryRegistered = await usedMemory(c.admin);
    note(`all registered in ${(r.registerMs / 1000).toFixed(2)} s`);

    if (o.idleMs > 0) {
      c.logs.enter(`${tag}: idle`);
      note(`idle for ${o.idleMs / 1000} s (load reports only) ...`);
      const a = cpu.sample();
      const t0 = performance.now();
      await sleep(o.idleMs, c.signal);
      const seconds = (performance.now() - t0) / 1000;
      const d = cpu.seconds(a, cpu.sample());
      const share = (v: number | undefined) => (v === undefined ? undefined : v / seconds);
      r.idle = {
        seconds,
        manager: share(d.manager),
        redis: share(d.redis),
        client: share(d.client),
        others: share(d.others),
      };
    }

    allocator = new Allocator(m.address);
    const alloc = allocator;
    const phase = (name: string, total: number, concurrency: number, limitMs: number) => {
      c.logs.enter(`${tag}: ${name}`);
      return runPhase({
        name: `${tag}: ${name}`,
        total,
        concurrency,
        limitMs,
        progress: c.progress,
        signal: c.signal,
        op: (i, _w, signal) => alloc.allocate(o.regions[i % o.regions.length]!, o.seats, signal),
      });
    };
    const quiet = async (): Promise<QuietWait> => {
      const q = await cpu.quiet(o.quietCores, o.quietWaitMs, c.signal);
      if (!q.quiet)
        note(
          `the rest of the machine still uses ${q.othersCores?.toFixed(2)} cores after ${(q.waitedMs / 1000).toFixed(0)} s; measuring anyway`,
        );
      return q;
    };
    const point = async (label: string): Promise<Point> => {
      const roomsBefore = f.liveRooms;
      const redisUsedMemory = await usedMemory(c.admin);
      const waits: Point["quiet"] = { sequential: await quiet() };
      await startScriptTiming(c.admin);
      const s0 = cpu.sample();
      const sequential = await phase(`${label}, sequential`, o.calls, 1, o.phaseLimitMs);
      const sequentialCpu = cpu.seconds(s0, cpu.sample());
      const redisScripts = await scriptTimes(c.admin);
      let concurrent: PhaseResult | undefined;
      let concurrentCpu: CpuSeconds = {};
      if (!c.signal.aborted) {
        waits.concurrent = await quiet();
        const a = cpu.sample();
        concurrent = await phase(
          `${label}, ${o.concurrency} in flight`,
          o.throughputCalls,
          o.concurrency,
          o.phaseLimitMs,
        );
        concurrentCpu = cpu.seconds(a, cpu.sample());
      }
      return {
        roomsBefore,
        roomsAfter: f.liveRooms,
        redisUsedMemory,
        sequential,
        sequentialCpu,
        redisScripts,
        concurrent,
        cpu: concurrentCpu,
        quiet: waits,
      };
    };

    if (o.warmup > 0 && !c.signal.aborted) {
      // Both processes JIT-compile the allocation path on their first few thousand calls; without
      // this the first point would measure compilation and flatter every later one. Its rooms are
      // closed again, so the first point still starts from an empty store.
      const w = await phase("warm-up (untimed)", o.warmup, o.concurrency, o.phaseLimitMs);
      if (w.errors > 0) r.problems.push(`warm-up: ${w.errors} errors: ${w.errorSamples.join("; ")}`);
      const closed = f.closeAll();
      const t0 = performance.now();
      let left = closed;
      while (left > 0 && performance.now() - t0 < EMPTY_LIMIT_MS && !c.signal.aborted) {
        await sleep(100, c.signal);
        left = await reservedRooms(
          c.admin,
          r.keyPrefix,
          f.servers.map((s) => s.id),
        );
      }
      r.warmup = { calls: w.ok, rate: w.rate, closed, emptyAfterMs: performance.now() - t0, left };
      if (left > 0) r.problems.push(`${left} warm-up rooms still reserved ${EMPTY_LIMIT_MS} ms after they closed`);
      note(
        `warm-up: ${w.ok} rooms at ${w.rate.toFixed(0)}/s, closed again; store empty after ${(r.warmup.emptyAfterMs / 1000).toFixed(1)} s`,
      );
      // The same pause as after the fill, so both points start from the same kind of quiet.
      await sleep(SETTLE_MS, c.signal);
    }
    if (!c.signal.aborted) r.small = await point("~0 rooms");
    if (!c.signal.aborted) {
      const missing = Math.max(0, o.rooms - f.liveRooms);
      r.fill = await phase(`fill to ${o.rooms} rooms`, missing, o.fillConcurrency, o.fillLimitMs);
      if (f.liveRooms < o.rooms)
        r.problems.push(`the fill reached ${f.liveRooms} of ${o.rooms} rooms; the second point is measured there`);
      c.logs.enter(`${tag}: settle`);
      await sleep(SETTLE_MS, c.signal);
    }
    if (!c.signal.aborted) r.full = await point(`${Math.round(f.liveRooms / 1000)}k rooms`);
    r.check = {
      fleetRooms: f.liveRooms,
      storeReservedRooms: await reservedRooms(
        c.admin,
        r.keyPrefix,
        f.servers.map((s) => s.id),
      ),
      lostStreams: f.lost,
    };
    if (r.check.fleetRooms !== r.check.storeReservedRooms)
      r.problems.push(`the store reserves ${r.check.storeReservedRooms} rooms, the fleet holds ${r.check.fleetRooms}`);
  } catch (e) {
    r.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    note(`failed: ${errorText(e)}`);
  } finally {
    c.logs.enter(`${tag}: shutdown`);
    note("stopping the Manager and the simulated servers ...");
    r.problems.push(...(fleet?.problems ?? []), ...(await teardown.run(note)));
  }
  return r;
}
