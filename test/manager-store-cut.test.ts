import type { LogLine } from "../testkit/cluster";
import { gatewayClient, Player } from "../testkit/client";
import { startTcpProxy, type TcpProxy } from "../testkit/tcp-proxy";
import { startCluster } from "./harness/cluster";
import { redisUrl } from "./harness/state";

// Issue 16, Partitions: one of two Managers cut off from Redis (silently), not from its game
// servers. Its answers stop (or say the store is down), so its servers move to the other Manager
// within their fencing lease: none fences, none is declared dead, their players notice nothing.

/** The defaults: a 3 s deadline, a 2.5 s lease. */
const REPORT_MS = 1000;
const MISSED = 3;
const SERVERS = ["gs-a", "gs-b", "gs-c"];

let env: Awaited<ReturnType<typeof startCluster>>;
/** Each Manager's own way to Redis: the test cuts one. */
let toRedis: TcpProxy[] = [];

beforeAll(async () => {
  const redis = new URL(redisUrl());
  toRedis = await Promise.all([0, 1].map(() => startTcpProxy(Number(redis.port))));
  env = await startCluster("store-cut", {
    redisUrl: redisUrl(),
    managers: 2,
    gateways: 1,
    gameServers: 0,
    managerEnv: { MISSED_REPORTS: String(MISSED) },
    managerEnvs: toRedis.map((p) => ({ REDIS_URL: `redis://127.0.0.1:${p.port}` })),
  });
  for (const id of SERVERS) {
    const registered = env.cluster.registered(id);
    await env.cluster.startGameServer(id, { REPORT_INTERVAL_MS: String(REPORT_MS) });
    await registered;
  }
}, 60_000);

afterAll(async () => {
  await env?.stop();
  for (const p of toRedis) await p.close();
}, 60_000);

const at = (l: LogLine) => Date.parse(String(l.time));

test("a Manager cut off from Redis: its servers move to the other Manager, none fences, none is declared dead", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const players: Player[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await gw.createRoom({ playerName: `p${i}` });
    players.push((await Player.join(r.serverAddress, r.roomId, r.joinToken)).player);
  }
  // The Manager that holds gs-a loses Redis; the servers it holds must move to the other.
  const cutId = (await store.getServer("gs-a"))!.managerId;
  const cut = cluster.managers.findIndex((m) => m.proc.name === cutId);
  const other = cluster.managers[1 - cut]!;
  const epochs = new Map<string, number>();
  const moving: string[] = [];
  for (const id of SERVERS) {
    const s = (await store.getServer(id))!;
    epochs.set(id, s.epoch);
    if (s.managerId === cutId) moving.push(id);
  }

  const cutAt = Date.now();
  toRedis[cut]!.blackhole();
  const moved = await Promise.all(
    moving.map((id) =>
      other.proc.waitFor(
        (l) => l.msg === "game server registered" && l.serverId === id && at(l) >= cutAt - 5,
        20_000,
        `${id} registered with ${other.proc.name}`,
      ),
    ),
  );
  console.log(
    `${cutId} cut off from Redis: ${moving.join(", ")} on ${other.proc.name} after ${moved.map((l) => at(l) - cutAt).join(", ")} ms ` +
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
  for (const id of SERVERS) {
    const s = await store.getServer(id);
    expect(s?.managerId).toBe(other.proc.name);
    if (moving.includes(id)) expect(s!.epoch).toBeGreaterThan(epochs.get(id)!);
    else expect(s!.epoch).toBe(epochs.get(id));
  }
  // The store still maps every room to the server that runs it.
  let total = 0;
  for (const gs of cluster.gameServers) {
    const rooms = await roomsOn(gs.port);
    expect((await store.listServerRooms(gs.id)).length).toBe(rooms);
    total += rooms;
  }
  expect(total).toBe(players.length);
  toRedis[cut]!.heal();
  for (const p of players) await p.leave();
}, 90_000);

async function roomsOn(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { rooms: number }).rooms;
}
