import { Code, ConnectError } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { gatewayClient, Player } from "../testkit/client";
import { startCluster } from "./harness/cluster";
import { redisUrl } from "./harness/state";

// Hundreds of simultaneous CreateRoom calls across two Gateways against small servers: exactly
// the capacity is granted, everyone else hears resource_exhausted, and no server is ever over.

const CAPACITY: Record<string, number> = { "cap-a": 5, "cap-b": 7, "cap-c": 9 };
const TOTAL = Object.values(CAPACITY).reduce((a, b) => a + b, 0);
const CALLS = 300;

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("capacity", { gateways: 2, gameServers: 0 });
  await Promise.all(
    Object.entries(CAPACITY).map(([id, cap]) => env.cluster.startGameServer(id, { GAMESERVER_CAPACITY: String(cap) })),
  );
  await Promise.all(
    Object.keys(CAPACITY).map((id) =>
      env.cluster.manager.proc.waitFor((l) => l.msg === "game server registered" && l.serverId === id),
    ),
  );
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test(`${CALLS} concurrent creates over two Gateways get exactly ${TOTAL} rooms`, async () => {
  const clients = [
    gatewayClient(env.cluster.gatewayUrl(0), "connect"),
    gatewayClient(env.cluster.gatewayUrl(1), "grpc"),
  ];
  // Watch the reservations while the burst runs: the invariant must hold at every moment we can
  // see, not only at the end.
  const watcher = new Redis(redisUrl());
  let watching = true;
  let worst = 0;
  const watch = (async () => {
    while (watching) {
      const pipe = watcher.multi();
      for (const id of Object.keys(CAPACITY)) pipe.hget(`${env.cluster.o.keyPrefix}server:${id}`, "rooms");
      const res = (await pipe.exec()) ?? [];
      Object.keys(CAPACITY).forEach((id, i) => {
        worst = Math.max(worst, Number(res[i]?.[1] ?? 0) - CAPACITY[id]!);
      });
    }
  })();

  const answers = await Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      clients[i % 2]!.createRoom({ maxPlayers: 2 }).then(
        (r) => r,
        (e) => Code[ConnectError.from(e).code],
      ),
    ),
  );
  const outcomes = answers.map((a) => (typeof a === "string" ? a : a.serverId));
  watching = false;
  await watch;
  await watcher.quit();

  const granted = outcomes.filter((o) => o in CAPACITY);
  expect(granted).toHaveLength(TOTAL);
  expect(outcomes.filter((o) => o === "ResourceExhausted")).toHaveLength(CALLS - TOTAL);
  for (const [id, cap] of Object.entries(CAPACITY)) {
    expect(granted.filter((g) => g === id)).toHaveLength(cap);
    expect((await env.store.getServer(id))!.reservedRooms).toBe(cap);
  }
  expect(worst).toBeLessThanOrEqual(0);
  // Every granted room really runs on its server once its creator arrives (the first join token
  // opens it there).
  const creators = await Promise.all(
    answers.flatMap((a) => (typeof a === "string" ? [] : [Player.join(a.serverAddress, a.roomId, a.joinToken)])),
  );
  expect(creators).toHaveLength(TOTAL);
  for (const [id, cap] of Object.entries(CAPACITY)) {
    const gs = env.cluster.gameServer(id);
    const health = (await (await fetch(`http://127.0.0.1:${gs.port}/healthz`)).json()) as { rooms: number };
    expect(health.rooms).toBe(cap);
  }
  await Promise.all(creators.map((c) => c.player.leave()));
});
