import { randomBytes } from "node:crypto";
import { RedisStore } from "../common/store/redis-store";
import { type Started, startComponent } from "./cluster";
import { type RedisProcess, startRedis } from "./redis-server";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

// A Redis restart in which the Managers come back one after another: Manager A reaches Redis
// directly, Manager B through a proxy the test keeps shut a while after Redis is back, and game
// server gs-b is attached to B alone (so only B can record its reports or vouch for it).

export interface LateManager {
  redis: RedisProcess;
  proxy: TcpProxy;
  store: RedisStore;
  a: Started;
  b: Started;
  gs: Started;
  /** B loses Redis (its reconnects are refused), then Redis halts; resolves once A noticed. */
  outage(): Promise<void>;
  /** B reaches Redis again. */
  letBBack(): void;
  stop(): Promise<void>;
}

export async function startLateManager(o: { prefix: string; aEnv?: Record<string, string>; reportMs: number }) {
  const redis = await startRedis({ appendfsync: "always" });
  const proxy = await startTcpProxy(redis.port);
  const store = new RedisStore({ redis: redis.url, keyPrefix: o.prefix });
  const started: Started[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.proc.kill("SIGTERM");
    await store.close();
    await proxy.close();
    await redis.stop();
  };
  const base = {
    REDIS_KEY_PREFIX: o.prefix,
    ROOMGATE_SECRET: randomBytes(24).toString("base64url"),
    MANAGER_HOST: "127.0.0.1",
    MANAGER_PORT: "0",
  };
  const start = async (...args: Parameters<typeof startComponent>) => {
    const s = await startComponent(...args);
    started.push(s);
    return s;
  };
  const a = await start("manager", { ...base, REDIS_URL: redis.url, MANAGER_ID: "a", ...o.aEnv }, "manager-a");
  const b = await start(
    "manager",
    { ...base, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, MANAGER_ID: "b", REDIS_RECONNECT_MAX_MS: "100" },
    "manager-b",
  );
  const gs = await start(
    "gameserver",
    {
      ...base,
      REDIS_URL: redis.url,
      GAMESERVER_HOST: "127.0.0.1",
      GAMESERVER_PORT: "0",
      GAMESERVER_ID: "gs-b",
      MANAGER_ADDRESS: `127.0.0.1:${b.port}`,
      REPORT_INTERVAL_MS: String(o.reportMs),
    },
    "gs-b",
  );
  await b.proc.waitFor((l) => l.msg === "game server registered" && l.serverId === "gs-b");
  const late: LateManager = {
    redis,
    proxy,
    store,
    a,
    b,
    gs,
    async outage() {
      proxy.targetPort = 1; // nothing listens there: B's reconnects are refused
      proxy.dropAll();
      await redis.halt("SIGTERM");
      await a.proc.waitFor((l) => l.msg === "sweep failed; the room store may be down", 10_000, "A's failed sweep");
    },
    letBBack() {
      proxy.targetPort = redis.port;
    },
    stop,
  };
  return late;
}
