import { GameServerState } from "../gen/roomgate/v1/common_pb";
import { gatewayClient, Player } from "../testkit/client";
import { startTcpProxy, type TcpProxy } from "../testkit/tcp-proxy";
import { startCluster, startRegisteredGameServer } from "./harness/cluster";

// A crash is not a partition. Reports are far apart here (10 s, dead after 30 s), so a server
// removed within the test's waits was removed by the probe of its port, never by its deadline:
// a SIGKILLed server's port refuses at once; a server cut off from its Manager still listens and
// keeps its rooms until the partition heals.

const SLOW_REPORTS = { REPORT_INTERVAL_MS: "10000" };
let env: Awaited<ReturnType<typeof startCluster>>;
let proxy: TcpProxy;

beforeAll(async () => {
  env = await startCluster("crash-probe", { gateways: 1, gameServers: 2, gameServerEnv: SLOW_REPORTS });
  // A third server reaches the Manager only through a proxy the test can cut.
  proxy = await startTcpProxy(env.cluster.manager.port);
  await startRegisteredGameServer(env.cluster, "gs-cut", {
    ...SLOW_REPORTS,
    MANAGER_ADDRESS: `127.0.0.1:${proxy.port}`,
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await env?.stop();
}, 60_000);

test("a SIGKILLed game server is dead as soon as its port refuses, and its rooms move at once", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const victim = env.cluster.gameServer("gs-0");
  let room = await gw.createRoom({});
  for (let i = 0; room.serverId !== victim.id && i < 20; i++) room = await gw.createRoom({});
  expect(room.serverId).toBe(victim.id);
  const p = await Player.join(room.serverAddress, room.roomId, room.joinToken);
  await victim.proc.kill("SIGKILL");
  expect((await p.player.closed).code).toBe(1006);
  const removed = await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "game server removed" && l.serverId === victim.id,
    8000,
    "removal by the probe (the deadline is 30 s away)",
  );
  expect(removed.why).toBe("its stream ended and its port refuses connections");
  const moved = await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "room moved" && l.roomId === room.roomId,
    8000,
    "room moved",
  );
  expect(moved.serverId).not.toBe(victim.id);
  const again = await gw.joinRoom({ roomId: room.roomId });
  const back = await Player.join(again.serverAddress, again.roomId, again.joinToken);
  expect(back.welcome).toMatchObject({ roomId: room.roomId, restored: true });
  await back.player.leave();
});

test("a game server cut off from its Manager still listens: suspect, not dead; the partition heals and it keeps its room", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  let room = await gw.createRoom({});
  for (let i = 0; room.serverId !== "gs-cut" && i < 30; i++) room = await gw.createRoom({});
  expect(room.serverId).toBe("gs-cut");
  const p = await Player.join(room.serverAddress, room.roomId, room.joinToken);
  // The network between the server and its Manager goes: connections are cut, new ones fail.
  const managerPort = proxy.targetPort;
  proxy.targetPort = 1;
  expect(proxy.dropAll()).toBeGreaterThan(0);
  const waiting = await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "detached game server not refused: waiting for its reports" && l.serverId === "gs-cut",
    8000,
    "the probe's answer",
  );
  expect(waiting.answer).toBe("listening");
  expect(await env.store.getServer("gs-cut")).toMatchObject({ state: GameServerState.SUSPECT });
  expect(await env.store.getRoom(room.roomId)).toMatchObject({ serverId: "gs-cut" });
  // Its player never noticed.
  p.player.send({ case: "ping", value: { nonce: 7 } });
  expect((await p.player.next("pong")).frame.value.nonce).toBe(7);
  // Healed: it registers again and keeps what it runs.
  proxy.targetPort = managerPort;
  const before = (await env.store.getServer("gs-cut"))!.epoch;
  await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "game server registered" && l.serverId === "gs-cut" && Number(l.epoch) > before,
    15_000,
    "registered again",
  );
  expect(await env.store.getRoom(room.roomId)).toMatchObject({ serverId: "gs-cut" });
  expect((await env.store.getServer("gs-cut"))?.state).toBe(GameServerState.LIVE);
  await p.player.leave();
});
