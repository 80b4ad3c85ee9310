import { randomBytes } from "node:crypto";
import type { Netns } from "../testkit/netns.js";
import { RoomState } from "../gen/roomgate/v1/common_pb.js";
import { Cluster } from "../testkit/cluster.js";
import { type StoreKind, startBackend } from "./backend.js";
import { type Duplicate, duplicates } from "./copies.js";
import { Creator } from "./creator.js";
import { chaosHosts } from "./hosts.js";
import { PARTITIONS } from "./partitions.js";
import { faults as faultList, type World } from "./faults.js";
import type { RoomStore } from "../common/store/store.js";
import { Load } from "./players.js";
import { settled } from "./settled.js";
import {
  type ClientErrorRecord,
  classify,
  EventLog,
  explainLoss,
  type FaultTimes,
  type LostRoom,
  redisBackAt,
  roomNamed,
  roomTrace,
} from "./trace.js";

// Under a steady load of simulated players, one fault after another; for each: rooms lost,
// duplicated rooms, state lost, players who had to rejoin by hand, errors clients saw, and how
// long until every player was back in its room and seeing the others again. With one Redis every
// process runs on a host of its own (hosts.ts, root needed) and the partition faults run too; a
// Redis Cluster stays on loopback, without them. Bounded in time.

export interface ChaosOptions {
  rooms: number;
  playersPerRoom: number;
  gameServers: number;
  reportIntervalMs: number;
  redisDownMs: number;
  createsPerSecond: number;
  /** Longest a fault may take to heal before the run fails. */
  recoveryLimitMs: number;
  /** Each fault's window lasts at least this long, so new traffic is measured after it too. */
  windowMs: number;
  /** One Redis (restarted as its fault), or a Redis Cluster (a master SIGKILLed). */
  store?: StoreKind;
  /** Longest a partition fault waits for what it should cause (rooms or servers moved, a Gateway serving again). */
  partitionMaxMs: number;
  /** How long a Gateway stays cut off from every Manager. */
  gatewayCutMs: number;
}

export const SHORT: ChaosOptions = {
  rooms: 8,
  playersPerRoom: 2,
  gameServers: 3,
  // The shortest interval whose fencing lease reaches the 1 s below which fencing is off
  // (docs/protocol.md, Fencing): the partition faults need it on.
  reportIntervalMs: 500,
  redisDownMs: 1000,
  createsPerSecond: 4,
  recoveryLimitMs: 20_000,
  windowMs: 2000,
  partitionMaxMs: 8000,
  gatewayCutMs: 2000,
};
export const FULL: ChaosOptions = {
  rooms: 30,
  playersPerRoom: 3,
  gameServers: 4,
  reportIntervalMs: 1000,
  redisDownMs: 3000,
  createsPerSecond: 5,
  recoveryLimitMs: 45_000,
  windowMs: 6000,
  partitionMaxMs: 20_000,
  gatewayCutMs: 5000,
};

/** How often the run's game servers send their rooms' snapshots: the state a crash may lose. */
export const snapshotIntervalMs = (o: ChaosOptions) => Math.min(1000, o.reportIntervalMs);

export interface FaultResult {
  fault: string;
  /** When it began, ms since the epoch: its window runs until the next fault's start. */
  startedAt: number;
  roomsLost: number;
  roomsMoved: number;
  manualRejoins: number;
  /** CreateRoom+join attempts of new traffic that failed during the window, of all made. */
  clientErrors: number;
  clientAttempts: number;
  errorKinds: Record<string, number>;
  /** Each failure of new traffic: its code, message and the phase of the fault it fell in. */
  errors: ClientErrorRecord[];
  /** Failures of new traffic that were not inherent (Redis down, or through a Gateway cut off): each one a broken promise. */
  clientErrorsNotInherent: number;
  /** Each room counted lost, with why it was given up. */
  lostRooms: LostRoom[];
  /** The Redis-down window (from the halt until every process had its connection back), ms since the fault began. */
  redisDownMs?: { from: number; until: number };
  /** From the fault to every player connected again and seeing every other's latest state. */
  recoveryMs: number;
  /** The longest any one player was not connected. */
  worstOutageMs: number;
  /** Rooms with a copy that took input after the room had opened elsewhere (copies.ts): must be 0. */
  duplicatedRooms: number;
  duplicates: (Omit<Duplicate, "openedElsewhereAt" | "lastTakenAt"> & {
    openedElsewhereMs: number;
    tookInputForMs: number;
    why: string[];
  })[];
  /**
   * Acknowledged moves the room no longer had when a player was welcomed again: how many, by how
   * many players, and the largest stretch of one player's movement lost.
   */
  stateLost: { updates: number; players: number; worstMs: number };
  /** What the fault saw beyond the columns (how long its rooms took to move, a server registering again). */
  notes: string[];
}

export interface ChaosResult {
  options: ChaosOptions;
  faults: FaultResult[];
  /** Reservations that do not match the rooms mapped to a server at the end (0 when consistent). */
  inconsistencies: string[];
}

export async function runChaos(o: ChaosOptions, log: (m: string) => void): Promise<ChaosResult> {
  const keyPrefix = `chaos:${randomBytes(3).toString("hex")}:`;
  const kind = o.store ?? "redis";
  const net = kind === "redis" ? await chaosHosts({ managers: 2, gateways: 2, gameServers: o.gameServers }) : undefined;
  try {
    return await runOn(net, kind, keyPrefix, o, log);
  } finally {
    await net?.teardown();
  }
}

async function runOn(
  net: Netns | undefined,
  kind: StoreKind,
  keyPrefix: string,
  o: ChaosOptions,
  log: (m: string) => void,
): Promise<ChaosResult> {
  const backend = await startBackend(kind, keyPrefix, net?.host("redis"));
  const cluster = new Cluster({
    hostOf: (name) => net?.hosts.get(name),
    redisUrl: backend.url,
    keyPrefix,
    secret: randomBytes(24).toString("base64url"),
    managers: 2,
    gateways: 2,
    gameServers: o.gameServers,
    gameServerEnv: {
      REPORT_INTERVAL_MS: String(o.reportIntervalMs),
      SNAPSHOT_INTERVAL_MS: String(snapshotIntervalMs(o)),
    },
  });
  const store = backend.store;
  const FAULTS = faultList(backend.fault, net ? PARTITIONS : []);
  const world: World = {
    cluster,
    store,
    redisDownMs: o.redisDownMs,
    partitionMaxMs: o.partitionMaxMs,
    gatewayCutMs: o.gatewayCutMs,
    net,
    log,
    marks: {},
    notes: [],
  };
  const events = new EventLog(Date.now());
  let load: Load | undefined;
  let creator: Creator | undefined;
  /** The fault under way, to name in a failure. */
  let during: string | undefined;
  // Stopped from outside (Ctrl-C, or chaos:loop stopped): no process of the run outlives it.
  const onSignal = () => {
    for (const p of cluster.procs) p.child.kill("SIGKILL");
    backend.killNow();
    process.exit(130);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    const where = backend.kind === "cluster" ? "a Redis Cluster (3 masters, 3 replicas)" : "Redis (AOF, fsync always)";
    const on = net ? `, each on a host of its own (netns slot ${net.slot})` : ", on loopback";
    log(`starting: ${where}, 2 Managers, 2 Gateways, ${o.gameServers} game servers${on}`);
    await cluster.start();
    await events.start(store);
    const urls = [cluster.gatewayUrl(0), cluster.gatewayUrl(1)];
    load = new Load({ gatewayUrls: urls, rooms: o.rooms, playersPerRoom: o.playersPerRoom, moveEveryMs: 100 });
    await load.start(log);
    await load.allBack(o.recoveryLimitMs);
    // The first fault, like the others, hits players that have been moving for a while.
    await load.moving(2 * snapshotIntervalMs(o), o.recoveryLimitMs);
    creator = new Creator(urls, o.createsPerSecond);
    const faults: FaultResult[] = [];
    for (const fault of FAULTS) {
      during = fault.name;
      // The last fault's wake (servers still re-registering) must not fall in this one's window.
      await settled(store, cluster, load.roomIds, o.recoveryLimitMs);
      log(`fault ${faults.length + 1}/${FAULTS.length}: ${fault.name}`);
      const before = await placements(store, load.roomIds);
      load.resetWindow();
      // New traffic runs in each fault's window only, and every attempt is judged in the window it
      // began in: one begun while the last fault's wake settled is neither's to answer for.
      creator.reset();
      creator.start();
      const rejoinsBefore = load.players.reduce((n, p) => n + p.manualRejoins, 0);
      world.marks = {};
      world.notes = [];
      const t0 = Date.now();
      await fault.inject(world);
      const injected = Date.now();
      await load.allBack(o.recoveryLimitMs);
      const recoveryMs = Date.now() - t0;
      // Observation, not synchronisation: new traffic keeps being counted for the whole window.
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + o.windowMs - Date.now())));
      const after = await placements(store, load.roomIds);
      const lost = load.roomIds.filter(
        (id) => after.get(id) === undefined || load!.players.some((p) => p.roomId === id && p.lost),
      );
      // The window's traffic, taken now: the heal below only puts the cluster back together.
      await creator.stop();
      const stats = { ...creator.stats, errors: new Map(creator.stats.errors), failures: [...creator.stats.failures] };
      // Healed before the errors are judged: a Redis outage ends when every process has its
      // connection back (the store fault's heal waits for that), which may be after the window.
      await fault.heal(world);
      const times: FaultTimes = { start: t0, injected, back: t0 + recoveryMs };
      const { redisDownAt, redisUpAt } = world.marks;
      if (redisDownAt !== undefined && redisUpAt !== undefined)
        times.redisDown = { from: redisDownAt, until: redisBackAt(cluster, redisDownAt, redisUpAt) };
      times.gatewayCut = world.marks.gatewayCut;
      const errors = stats.failures.map((f) => classify(f, times));
      for (const e of errors) {
        const roomId = roomNamed(e.message);
        if (roomId) e.why = roomTrace(roomId, events, cluster);
      }
      const lostRooms: LostRoom[] = [];
      for (const id of lost) {
        const view = load.players.filter((p) => p.roomId === id).flatMap((p) => p.failures);
        lostRooms.push(await explainLoss(id, store, events, cluster, view));
      }
      const result: FaultResult = {
        fault: fault.name,
        roomsLost: lost.length,
        roomsMoved: load.roomIds.filter((id) => after.get(id) && before.get(id) !== after.get(id)).length,
        manualRejoins: load.players.reduce((n, p) => n + p.manualRejoins, 0) - rejoinsBefore,
        clientErrors: stats.failed,
        clientAttempts: stats.ok + stats.failed,
        errorKinds: Object.fromEntries(stats.errors),
        errors,
        clientErrorsNotInherent: errors.filter((e) => !e.inherent).length,
        lostRooms,
        redisDownMs: times.redisDown && { from: times.redisDown.from - t0, until: times.redisDown.until - t0 },
        recoveryMs,
        worstOutageMs: Math.max(0, ...load.players.map((p) => p.worstOutageMs)),
        // Filled in at the end of the run: a copy may go on taking input after its fault's window.
        duplicatedRooms: 0,
        duplicates: [],
        stateLost: { updates: 0, players: 0, worstMs: 0 },
        notes: world.notes,
        startedAt: t0,
      };
      faults.push(result);
      log(
        `  back in ${recoveryMs} ms; rooms lost ${result.roomsLost}, moved ${result.roomsMoved}, manual rejoins ${result.manualRejoins}, client errors ${result.clientErrors}/${result.clientAttempts}`,
      );
      for (const e of errors) {
        log(
          `  client error ${e.code} (${e.phase}${e.inherent ? `, ${e.inherent}` : ""}, +${e.failedMs} ms): ${e.message}`,
        );
        if (e.why?.length) log(`    ${e.why.join("\n    ")}`);
      }
      for (const r of lostRooms) log(`  room ${r.roomId} lost:\n    ${r.why.join("\n    ")}`);
      for (const n of world.notes) log(`  ${n}`);
    }
    await creator.stop();
    await load.allBack(o.recoveryLimitMs);
    judgeCopies(faults, load, events, cluster, log);
    return { options: o, faults, inconsistencies: await retrying(() => backend.consistency(keyPrefix)) };
  } catch (e) {
    if (during) (e as Error).message = `during "${during}": ${(e as Error).message}`;
    // Players who never came back: what the servers said of each explains why.
    const ids = new Set(String((e as Error).message).match(/\bp_[A-Za-z0-9_-]{16}\b|\b[A-Za-z0-9_-]{22}\b/g) ?? []);
    const said = cluster.procs.flatMap((p) =>
      p.lines
        .filter((l) => ids.has(String(l.playerId)) || ids.has(String(l.roomId)))
        .map((l) => `${p.name}: ${JSON.stringify(l)}`),
    );
    if (said.length > 0) (e as Error).message += `\nwhat the processes said of them:\n${said.slice(-30).join("\n")}`;
    throw e;
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    await creator?.stop().catch(() => {});
    await load?.stop().catch(() => {});
    events.stop();
    await cluster.stop(5000).catch(() => {});
    await backend.stop();
  }
}

/**
 * Duplicated rooms and state lost, per fault, once the run is over (an old copy may go on past
 * its fault's window): a duplicate counts for the fault in whose window the room opened
 * elsewhere, a loss for the one in whose window the player was welcomed again.
 */
function judgeCopies(faults: FaultResult[], load: Load, events: EventLog, cluster: Cluster, log: (m: string) => void) {
  const windowOf = (t: number) =>
    faults[
      Math.max(
        0,
        faults.findLastIndex((f) => f.startedAt <= t),
      )
    ];
  const players = new Map<FaultResult, Set<string>>();
  for (const roomId of load.roomIds) {
    const connections = load.players.filter((p) => p.roomId === roomId).flatMap((p) => p.connections);
    for (const d of duplicates({ roomId, openings: events.openings(roomId), connections })) {
      const f = windowOf(d.openedElsewhereAt);
      if (!f) continue;
      f.duplicates.push({
        roomId,
        oldServer: d.oldServer,
        newServer: d.newServer,
        openedElsewhereMs: d.openedElsewhereAt - f.startedAt,
        tookInputForMs: d.lastTakenAt - d.openedElsewhereAt,
        // Why it moved while a copy still ran: its events, its servers' removals, the warnings naming it.
        why: roomTrace(roomId, events, cluster, (l) => l.level === "warn" || l.level === "error"),
      });
      f.duplicatedRooms = new Set(f.duplicates.map((x) => x.roomId)).size;
    }
  }
  for (const p of load.players) {
    for (const loss of p.losses) {
      const f = windowOf(loss.at);
      if (!f) continue;
      f.stateLost.updates += loss.updates;
      f.stateLost.worstMs = Math.max(f.stateLost.worstMs, loss.ms);
      players.set(f, (players.get(f) ?? new Set()).add(p.room.playerId));
    }
  }
  for (const f of faults) {
    f.stateLost.players = players.get(f)?.size ?? 0;
    log(
      `${f.fault}: duplicated rooms ${f.duplicatedRooms}, state lost ${f.stateLost.updates} updates of ${f.stateLost.players} players (worst ${f.stateLost.worstMs} ms)`,
    );
    for (const d of f.duplicates)
      log(
        `  room ${d.roomId} opened on ${d.newServer} at +${d.openedElsewhereMs} ms; its copy on ${d.oldServer} took input ${d.tookInputForMs} ms longer\n    ${d.why.join("\n    ")}`,
      );
  }
}

/** roomId -> serverId for rooms that are open now (undefined: missing or not open). */
async function placements(store: Pick<RoomStore, "getRoom">, roomIds: string[]) {
  const out = new Map<string, string | undefined>();
  for (const id of roomIds) {
    const r = await retrying(() => store.getRoom(id));
    out.set(id, r && r.state === RoomState.OPEN ? r.serverId : undefined);
  }
  return out;
}

/** The harness's own reads ride out Redis coming back (its client reconnects like everyone's). */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
