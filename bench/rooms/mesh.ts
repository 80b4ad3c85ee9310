import { randomBytes } from "node:crypto";
import { Cluster, NO_CLIENT_LIMITS_ENV } from "../../testkit/cluster.js";
import { startRedis } from "../../testkit/redis-server.js";
import { type Checkout, checkEnv } from "../lib/checkout.js";
import type { Tracked } from "../lib/cpu.js";
import type { BenchOptions } from "./options.js";
import { commandName } from "../lib/proc.js";
import { redisClient } from "../lib/redis.js";
import type { Teardown } from "../lib/teardown.js";

// The system under test: a private redis-server (or REDIS_URL) and separate processes for the
// Manager, the Gateways and the game servers of one checkout's build, all on 127.0.0.1.

/** Settings the run relies on: a checkout that does not read one of them cannot be measured. */
const REQUIRED = {
  gateway: ["JOIN_TOKEN_TTL_MS", "ROOM_DEFAULT_MAX_PLAYERS", "RATE_LIMIT_CREATE_PER_S", "RATE_LIMIT_JOIN_PER_S"],
  gameserver: ["GAMESERVER_CAPACITY", "GAMESERVER_MAX_PLAYERS"],
} as const;

/** Seats of each room the join phase fills (CreateRoom's max_players; the Gateway's default limit). */
export const JOIN_ROOM_SEATS = 256;

export interface Mesh {
  checkout: Checkout;
  redisUrl: string;
  /** True when REDIS_URL named a Redis the benchmark does not own (keys must be cleaned up). */
  sharedRedis: boolean;
  redisPid: number | undefined;
  redisVersion: string;
  keyPrefix: string;
  cluster: Cluster;
  env: {
    gateway: Record<string, string>;
    gameServer: Record<string, string>;
    /** Settings passed that this checkout does not read (it predates them). */
    ignored: { gateway: string[]; gameserver: string[] };
  };
  /** Every process whose CPU time is reported, the benchmark client included. */
  tracked: Tracked[];
}

export async function startMesh(
  checkout: Checkout,
  o: BenchOptions,
  teardown: Teardown,
  log: (msg: string) => void,
): Promise<Mesh> {
  const sharedRedis = !!process.env.REDIS_URL;
  let redisUrl = process.env.REDIS_URL ?? "";
  let ownPid: number | undefined;
  if (!sharedRedis) {
    log("starting redis-server ...");
    const redis = await startRedis();
    teardown.add("redis-server", () => redis.stop());
    redisUrl = redis.url;
    ownPid = redis.child.pid;
  }
  const keyPrefix = `bench-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}:`;
  const { pid: infoPid, version: redisVersion } = await redisInfo(redisUrl);
  const redisPid = ownPid ?? infoPid;
  if (sharedRedis) teardown.add("redis keys", () => deleteKeys(redisUrl, keyPrefix));

  // Room slots: the sequential phase keeps its rooms until they are cleaned up, the loaded phase
  // holds about `concurrency` at once, the fan-out its rooms; doubled so capacity is never what
  // the run measures. Seats: the join phase's rooms take up to JOIN_ROOM_SEATS players each.
  const perServer = Math.ceil((o.sequential + o.warmup + 2 * o.concurrency + o.fanoutRooms) / o.gameServers);
  const capacity = Math.max(5000, 2 * perServer);
  const gameServer = {
    GAMESERVER_CAPACITY: String(capacity),
    GAMESERVER_MAX_PLAYERS: String(Math.max(50_000, capacity * o.roomSeats, 2 * o.concurrency * JOIN_ROOM_SEATS)),
  };
  const gateway = {
    ROOM_DEFAULT_MAX_PLAYERS: String(o.roomSeats),
    // Per-client rate limits and caps off (every call comes from 127.0.0.1, and the baseline has
    // no per-client caps to match): the run measures the room path, not a limiter saying no.
    ...NO_CLIENT_LIMITS_ENV,
    // The sequential phase's rooms are joined only once all are made (up to a phase limit later)
    // and its clean-up has run: their tokens must still be good then (by default 10 s).
    JOIN_TOKEN_TTL_MS: String(2 * o.phaseLimitMs + 60_000),
  };
  const ignored = {
    gateway: checkEnv(checkout, "gateway", { ...gateway, ADMIN_TOKEN: "" }, REQUIRED.gateway),
    gameserver: checkEnv(checkout, "gameserver", gameServer, REQUIRED.gameserver),
  };

  const cluster = new Cluster({
    redisUrl,
    keyPrefix,
    secret: randomBytes(32).toString("base64url"),
    gateways: o.gateways,
    gameServers: o.gameServers,
    gameServerEnv: gameServer,
    gatewayEnv: gateway,
    cli: checkout.cli,
  });
  teardown.add("cluster", () => cluster.stop());
  log(`[${checkout.label}] starting 1 manager, ${o.gateways} gateway(s), ${o.gameServers} game servers ...`);
  await cluster.start();

  const tracked: Tracked[] = [
    { name: "manager", pid: cluster.manager.proc.pid },
    ...cluster.gateways.map((g) => ({ name: g.proc.name, pid: g.proc.pid })),
    ...[...cluster.gameServers]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((g) => ({ name: g.proc.name, pid: g.proc.pid })),
    { name: "redis", pid: redisPid },
    { name: "bench client", pid: process.pid },
  ];
  return {
    checkout,
    redisUrl,
    sharedRedis,
    redisPid,
    redisVersion,
    keyPrefix,
    cluster,
    env: { gateway, gameServer, ignored },
    tracked,
  };
}

/** The server's pid (only trusted when it is a redis process on this machine) and version. */
async function redisInfo(url: string): Promise<{ pid: number | undefined; version: string }> {
  const r = redisClient(url);
  try {
    let info: string;
    try {
      await r.connect();
      info = await r.info("server");
    } catch (e) {
      throw new Error(`cannot reach Redis at ${url}: ${(e as Error).message}`);
    }
    const field = (k: string) => new RegExp(`^${k}:(.*)$`, "m").exec(info)?.[1]?.trim();
    const pid = Number(field("process_id"));
    const local = Number.isInteger(pid) && (commandName(pid) ?? "").startsWith("redis");
    return { pid: local ? pid : undefined, version: field("redis_version") ?? "?" };
  } finally {
    r.disconnect();
  }
}

/** Removes everything under the run's prefix from a Redis the benchmark shares with others. */
export async function deleteKeys(url: string, prefix: string) {
  const r = redisClient(url);
  try {
    await r.connect();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await r.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}
