import { ConnectError } from "@connectrpc/connect";
import { slotOf } from "../common/store/cells/slot";
import { gatewayClient } from "../testkit/client";
import { type RedisCluster, startRedisCluster } from "../testkit/redis-cluster";
import { cellOfRoom } from "../common/store/cells/cell-code";
import { startCluster, storeView } from "./harness/cluster";

// A Redis Cluster master SIGKILLed while rooms are being created: its replica is promoted, and
// every room a client was handed is still there afterwards (placements wait for a replica, see
// common/store/cells/replication.ts). A private cluster: the run's shared one must stay whole.

const SERVERS = 6;
const MAX_ROOMS = 400;
const LOAD_MS = 45_000;

let redis: RedisCluster;
let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  redis = await startRedisCluster({ nodeTimeoutMs: 1000 });
  env = await startCluster("cell-failover", {
    redisUrl: redis.url,
    gateways: 1,
    gameServers: 0,
    managers: 2,
    managerEnv: { CELL_MAX_SERVERS: "1" },
    gameServerEnv: { GAMESERVER_CAPACITY: String(MAX_ROOMS) },
  });
  const ids = Array.from({ length: SERVERS }, (_, i) => `gs-${i}`);
  await Promise.all(ids.map((id) => env.cluster.startGameServer(id)));
  await Promise.all(ids.map((id) => env.cluster.registered(id)));
}, 90_000);

afterAll(async () => {
  await env?.stop();
  await redis?.stop();
}, 60_000);

test("SIGKILL of a master under load: its replica takes over, no room a client was handed is lost", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0), "connect");
  const handed: string[] = [];
  const refusals = new Map<string, number>();
  let killedAt = 0;
  let lastFailure = 0;
  let stop = false;
  const started = performance.now();

  // One client creating rooms back to back, bounded in count and time.
  const load = (async () => {
    while (!stop && handed.length < MAX_ROOMS && performance.now() - started < LOAD_MS) {
      try {
        handed.push((await gw.createRoom({ playerName: "p", maxPlayers: 2 })).roomId);
      } catch (e) {
        const code = ConnectError.from(e).code;
        refusals.set(String(code), (refusals.get(String(code)) ?? 0) + 1);
        if (killedAt) lastFailure = performance.now();
      }
    }
  })();

  // The master holding the most cells' rooms goes once the load is under way.
  while (handed.length < 40) await new Promise((r) => setImmediate(r));
  const byMaster = new Map<string, number>();
  for (const id of handed) {
    const owner = (env.store as { redis: { slots: string[][] } }).redis.slots[slotOf(`{c${cellOfRoom(id)}}`)]![0]!;
    byMaster.set(owner, (byMaster.get(owner) ?? 0) + 1);
  }
  const victimAddr = [...byMaster].sort((a, b) => b[1] - a[1])[0]![0];
  const victim = redis.nodes.find((n) => `127.0.0.1:${n.port}` === victimAddr)!;
  const before = handed.length;
  await victim.halt("SIGKILL");
  killedAt = performance.now();
  await redis.ready(30_000);
  const promotedMs = performance.now() - killedAt;
  // Rooms keep coming after the failover: at least 40 more.
  while (handed.length < before + 40 && performance.now() - started < LOAD_MS)
    await new Promise((r) => setImmediate(r));
  stop = true;
  await load;
  const recoveredMs = (lastFailure || killedAt) - killedAt;

  // Every Manager lived through it (an unhandled rejection inside ioredis once ended them all).
  for (const m of env.cluster.managers) expect([m.proc.child.exitCode, m.proc.child.signalCode]).toEqual([null, null]);
  const view = storeView(redis.url, env.cluster.o.keyPrefix);
  try {
    const missing: string[] = [];
    for (const id of handed) if (!(await view.getRoom(id))) missing.push(id);
    console.log(
      `master ${victimAddr} SIGKILLed after ${before} rooms: replica promoted in ${Math.round(promotedMs)} ms, ` +
        `CreateRoom failing for ${Math.round(recoveredMs)} ms (${[...refusals].map(([c, n]) => `${n}× code ${c}`).join(", ") || "none"}), ` +
        `${handed.length} rooms handed out, ${missing.length} lost`,
    );
    expect(handed.length).toBeGreaterThanOrEqual(before + 40);
    expect(missing).toEqual([]);
    // Refusals while the master was gone are `unavailable` (14), never anything else.
    for (const code of refusals.keys()) expect(code).toBe("14");
  } finally {
    await view.close();
  }
}, 90_000);
