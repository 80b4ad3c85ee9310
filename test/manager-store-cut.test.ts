import type { LogLine } from "../testkit/cluster";
import { gatewayClient, Player } from "../testkit/client";
import { startTcpProxy, type TcpProxy } from "../testkit/tcp-proxy";
import { startCluster } from "./harness/cluster";
import { redisUrl } from "./harness/state";

// Issue 16, Partitions: one of two Managers cut off from Redis (silently), not from its game
// servers. Its answers stop (or say the store is down), so its servers move to the other Manager
// within their fencing lease: none fences, none is declared dead, their players notice nothing.

const REPORT_MS = 500;
const MISSED = 4;

let env: Awaited<ReturnType<typeof startCluster>>;
/** Manager 1's way to Redis, and the servers' way to Manager 0 (shut while they first register). */
let toRedis: TcpProxy;
let toManager0: TcpProxy;

beforeAll(async () => {
  const redis = new URL(redisUrl());
  toRedis = await startTcpProxy(Number(redis.port));
  env = await startCluster("store-cut", {
    redisUrl: redisUrl(),
    managers: 2,
    gateways: 1,
    gameServers: 0,
    managerEnv: { MISSED_REPORTS: String(MISSED) },
    managerEnvs: [{}, { REDIS_URL: `redis://127.0.0.1:${toRedis.port}` }],
  });
  // Nothing listens on port 1: the servers' first Manager refuses them, so both attach to Manager 1.
  toManager0 = await startTcpProxy(1);
  const { cluster } = env;
  for (const id of ["gs-a", "gs-b"]) {
    const registered = cluster.managers[1]!.proc.waitFor(
      (l) => l.msg === "game server registered" && l.serverId === id,
      20_000,
      `${id} registered with manager-1`,
    );
    await cluster.startGameServer(id, {
      REPORT_INTERVAL_MS: String(REPORT_MS),
      MANAGER_ADDRESS: `127.0.0.1:${toManager0.port},127.0.0.1:${cluster.managers[1]!.port}`,
    });
    await registered;
  }
  toManager0.targetPort = cluster.managers[0]!.port;
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await toManager0?.close();
  await toRedis?.close();
}, 60_000);

const at = (l: LogLine) => Date.parse(String(l.time));

test("a Manager cut off from Redis: its servers move to the other Manager, none fences, none is declared dead", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const players: Player[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await gw.createRoom({ playerName: `p${i}` });
    players.push((await Player.join(r.serverAddress, r.roomId, r.joinToken)).player);
  }
  const epochs = new Map<string, number>();
  for (const id of ["gs-a", "gs-b"]) epochs.set(id, (await store.getServer(id))!.epoch);

  const cutAt = Date.now();
  toRedis.blackhole();
  const moved = await Promise.all(
    ["gs-a", "gs-b"].map((id) =>
      cluster.managers[0]!.proc.waitFor(
        (l) => l.msg === "game server registered" && l.serverId === id && at(l) >= cutAt - 5,
        20_000,
        `${id} registered with manager-0`,
      ),
    ),
  );
  console.log(
    `manager-1 cut off from Redis: servers on manager-0 after ${moved.map((l) => at(l) - cutAt).join(", ")} ms ` +
      `(death deadline ${REPORT_MS * MISSED} ms)`,
  );
  // Each kept every room it runs.
  for (const l of moved) expect(l.rooms).toBe(await roomsOn(cluster.gameServer(String(l.serverId)).port));

  // Past two death deadlines of the old registrations: nobody was buried, nothing fenced, and
  // every player is still in its room.
  await new Promise((r) => setTimeout(r, REPORT_MS * MISSED * 2)); // a span of time is what is tested
  for (const m of cluster.managers)
    expect(m.proc.lines.filter((l) => l.msg === "game server removed").map((l) => l.serverId)).toEqual([]);
  for (const gs of cluster.gameServers) expect(gs.proc.lines.filter((l) => l.msg.startsWith("fenced"))).toEqual([]);
  for (const [i, p] of players.entries()) {
    p.send({ case: "ping", value: { nonce: i } });
    expect((await p.next("pong", 5000)).frame.value.nonce).toBe(i);
  }
  for (const id of ["gs-a", "gs-b"]) {
    const s = await store.getServer(id);
    expect(s?.managerId).toBe("manager");
    expect(s!.epoch).toBeGreaterThan(epochs.get(id)!);
  }
  // The store still maps every room to the server that runs it.
  let total = 0;
  for (const gs of cluster.gameServers) {
    const rooms = await roomsOn(gs.port);
    expect((await store.listServerRooms(gs.id)).length).toBe(rooms);
    total += rooms;
  }
  expect(total).toBe(players.length);
  toRedis.heal();
  for (const p of players) await p.leave();
}, 90_000);

async function roomsOn(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { rooms: number }).rooms;
}
