import type { Redis } from "ioredis";
import type { Checkout } from "../lib/checkout.js";
import { errorText } from "../lib/errors.js";
import type { LogWatch } from "../lib/log-watch.js";
import { runPhase, type PhaseResult } from "../lib/phase.js";
import type { Progress } from "../lib/progress.js";
import { sleep } from "../lib/run-control.js";
import { Teardown } from "../lib/teardown.js";
import { Allocator } from "../placement/allocator.js";
import { PlacementCpu } from "../placement/cpu.js";
import { Fleet } from "../placement/fleet.js";
import { startManagerProcess } from "../placement/manager.js";
import { usedMemory } from "../placement/redis.js";
import { deleteKeys } from "./mesh.js";
import { RedisStore } from "../../common/store/redis-store.js";
import { type KeyKind, keyKinds } from "./redis-keys.js";

// The two figures of issue 14 that need a fleet no 2-core machine can run for real: what load
// reports cost a Manager, and what a live room costs in Redis. One Manager process of the
// checkout under test, on the run's Redis under a key prefix of its own, and bench/placement's
// simulated servers (real Attach streams that look at their load every second, report it as a
// game server does, and confirm every open at once). Their load does not change, so a Manager
// that asks for a slower heartbeat gets fewer reports: the phase says how many, and what each
// cost. The simulated servers write their own reports to the store (WRITE_LOAD_REPORTS, a game
// server's default) when the Manager's registration lets them, as a game server does: the phase
// then says how many went to the store, and what Redis spent. Rooms are written through the Manager's AllocateRoom, the path a Gateway takes, not into
// the store directly: the memory figure is what the real scripts leave behind per room.

const ATTACH_LIMIT_MS = 120_000;
/** Lets garbage, buffers and Redis's incremental rehashing settle before memory is read (before and after the fill). */
const SETTLE_MS = 2000;
const FILL_CONCURRENCY = 128;
/**
 * A thousand registrations arrive at once; on a busy machine some of their Redis commands outlast
 * the default 1 s timeout and the server is refused. A longer timeout changes no cost, only when a
 * slow command counts as failed (both checkouts read REDIS_COMMAND_TIMEOUT_MS).
 */
const FLEET_MANAGER_ENV = { REDIS_COMMAND_TIMEOUT_MS: "10000" };
const SEATS = 2;

export interface ManagerFigures {
  servers: number;
  registerMs?: number;
  /** Load reports only: the Manager's CPU as a share of one core over `seconds`. */
  reports?: {
    seconds: number;
    managerCores?: number;
    redisCores?: number;
    clientCores?: number;
    /** Load reports the Manager got, per second of the window. */
    perSecond: number;
    /** Load reports the servers wrote to the store themselves, per second of the window. */
    writtenPerSecond?: number;
  };
  /** Rooms written, the Redis used_memory before and after them, and the phase's keys by kind. */
  memory?: { rooms: number; before?: number; after?: number; bytesPerRoom?: number; keys?: KeyKind[] };
  fill?: PhaseResult;
  problems: string[];
  error?: string;
}

export interface ManagerPhaseInput {
  checkout: Checkout;
  redisUrl: string;
  redisPid: number | undefined;
  /** A Redis the benchmark does not own: the phase removes its keys again. */
  sharedRedis: boolean;
  admin: Redis;
  servers: number;
  reportSeconds: number;
  rooms: number;
  limitMs: number;
  progress: Progress;
  logs: LogWatch;
  signal: AbortSignal;
}

export async function managerPhases(p: ManagerPhaseInput): Promise<ManagerFigures> {
  const tag = `[${p.checkout.label}]`;
  const note = (m: string) => p.progress.note(`${tag} ${m}`);
  // At least one server; twice the rooms' share each, so no server fills up.
  const servers = Math.max(1, p.servers);
  const maxRooms = Math.ceil((2 * Math.max(1, p.rooms)) / servers) + 1;
  const r: ManagerFigures = { servers: p.servers, problems: [] };
  const keyPrefix = `bench-mgr-${p.checkout.label}-${Date.now().toString(36)}:`;
  const teardown = new Teardown();
  let fleet: Fleet | undefined;
  let allocator: Allocator | undefined;
  // The servers' own connection to the store, as each game server has one (here one for all).
  const loadStore = new RedisStore({ redis: p.redisUrl, keyPrefix });
  teardown.add("servers' store connection", () => loadStore.close());
  if (p.sharedRedis) teardown.add("redis keys", () => deleteKeys(p.redisUrl, keyPrefix));
  teardown.add("allocation client", () => allocator?.close());
  teardown.add("simulated servers", () => fleet?.stop());
  try {
    note("starting a Manager for the load-report and Redis-memory phases ...");
    const m = await startManagerProcess(
      p.redisUrl,
      keyPrefix,
      `manager-${p.checkout.label}-fleet`,
      p.checkout.cli,
      FLEET_MANAGER_ENV,
    );
    p.logs.watch(m.proc);
    teardown.add("manager", () => {
      if (fleet) fleet.stopping = true;
      return m.stop();
    });
    const cpu = new PlacementCpu({ manager: m.proc.pid, redis: p.redisPid });
    note(`attaching ${servers} simulated servers ...`);
    fleet = new Fleet({
      managerAddress: m.address,
      count: servers,
      idPrefix: "sim-",
      regions: ["local"],
      maxRooms,
      maxPlayers: maxRooms * SEATS,
      reportIntervalMs: 1000,
      serversPerConnection: 1,
      loadStore,
    });
    const f = fleet;
    r.registerMs = await f.attach(ATTACH_LIMIT_MS);

    if (p.servers > 0 && !p.signal.aborted) {
      p.logs.enter(`${p.checkout.label}: load reports`);
      note(`load reports only: ${servers} servers every second, for ${p.reportSeconds} s ...`);
      // One report interval first, so every server's report timer is running.
      await sleep(1000, p.signal);
      const a = cpu.sample();
      const sent = f.reportsSent;
      const written = f.reportsWritten;
      const t0 = performance.now();
      await sleep(p.reportSeconds * 1000, p.signal);
      const seconds = (performance.now() - t0) / 1000;
      const d = cpu.seconds(a, cpu.sample());
      const share = (v: number | undefined) => (v === undefined ? undefined : v / seconds);
      r.reports = {
        seconds,
        managerCores: share(d.manager),
        redisCores: share(d.redis),
        clientCores: share(d.client),
        perSecond: (f.reportsSent - sent) / seconds,
        writtenPerSecond: (f.reportsWritten - written) / seconds,
      };
    }

    if (p.rooms > 0 && !p.signal.aborted) {
      p.logs.enter(`${p.checkout.label}: redis rooms`);
      allocator = new Allocator(m.address);
      const alloc = allocator;
      // Settled on both sides: what the report phase left in buffers is freed before, not during.
      await sleep(SETTLE_MS, p.signal);
      const before = await usedMemory(p.admin);
      const startRooms = f.liveRooms;
      r.fill = await runPhase({
        name: `${tag} AllocateRoom to ${p.rooms} live rooms`,
        total: p.rooms,
        concurrency: FILL_CONCURRENCY,
        limitMs: p.limitMs,
        progress: p.progress,
        signal: p.signal,
        op: (_i, _w, signal) => alloc.allocate("local", SEATS, signal),
      });
      await sleep(SETTLE_MS, p.signal);
      const after = await usedMemory(p.admin);
      const rooms = f.liveRooms - startRooms;
      r.memory = {
        rooms,
        before,
        after,
        bytesPerRoom: before === undefined || after === undefined || rooms === 0 ? undefined : (after - before) / rooms,
      };
      if (rooms < p.rooms) r.problems.push(`the fill reached ${rooms} of ${p.rooms} rooms; memory is per room reached`);
      note("reading the phase's keys by kind ...");
      r.memory.keys = await keyKinds(p.admin, keyPrefix);
    }
  } catch (e) {
    // The mesh's figures stand without these: a failed fleet is this part's finding, not the run's.
    r.error = errorText(e);
    note(`failed: ${r.error}`);
  } finally {
    p.logs.enter(`${p.checkout.label}: fleet shutdown`);
    note("stopping the fleet's Manager and simulated servers ...");
    r.problems.push(...(fleet?.problems ?? []), ...(await teardown.run(note)));
  }
  return r;
}
