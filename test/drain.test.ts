import { gatewayClient, Player } from "../testkit/client";
import { startCluster, startRegisteredGameServer } from "./harness/cluster";

// DRAIN_MODE finish on real processes: rooms play on after SIGTERM (no newcomers) and the server
// exits when they are done, or hands them over at DRAIN_TIMEOUT_MS. (DRAIN_MODE migrate, the
// default, is in failure.test.ts and client/reconnect.test.ts.) Each server has a region of its
// own so a test can choose where its room lives.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("drain", { gateways: 1, gameServers: 0 });
  await startRegisteredGameServer(env.cluster, "gs-finish", {
    GAMESERVER_REGION: "finish",
    DRAIN_MODE: "finish",
    DRAIN_TIMEOUT_MS: "60000",
  });
  await startRegisteredGameServer(env.cluster, "gs-deadline", {
    GAMESERVER_REGION: "deadline",
    DRAIN_MODE: "finish",
    DRAIN_TIMEOUT_MS: "1000",
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const drainingLine = (l: { msg: string; mode?: unknown }) => l.msg === "game server draining" && l.mode === "finish";

test("finish: after SIGTERM the room plays on and takes no newcomer; when its players leave the server exits 0", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ region: "finish", playerName: "ann" });
  expect(r.serverId).toBe("gs-finish");
  const ann = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const bobTicket = await gw.joinRoom({ roomId: r.roomId, playerName: "bob" });
  const bob = await Player.join(bobTicket.serverAddress, r.roomId, bobTicket.joinToken);

  const server = env.cluster.gameServer("gs-finish").proc;
  let exited = false;
  const exit = server.kill("SIGTERM").then((x) => {
    exited = true;
    return x;
  });
  await server.waitFor(drainingLine, 5000, "draining");

  // Those in the room still play: messages, state, pings.
  ann.player.broadcast(new Uint8Array([7]));
  expect((await bob.player.next("message")).frame.value.payload).toEqual(new Uint8Array([7]));
  bob.player.send({ case: "setState", value: { key: "k", value: new Uint8Array([1]), owned: true } });
  expect((await ann.player.next("stateChanged")).frame.value.entry?.key).toBe("k");
  ann.player.send({ case: "ping", value: { nonce: 3 } });
  expect((await ann.player.next("pong")).frame.value.nonce).toBe(3);
  // A newcomer is refused at the upgrade.
  const cy = await gw.joinRoom({ roomId: r.roomId, playerName: "cy" });
  await expect(
    Player.connect(`${cy.serverAddress}/rooms/${r.roomId}?token=${encodeURIComponent(cy.joinToken)}`),
  ).rejects.toMatchObject({ status: 503 });
  expect(exited).toBe(false);

  await bob.player.leave();
  await ann.player.leave();
  expect(await exit).toEqual({ code: 0, signal: null });
  await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "game server removed" && l.serverId === "gs-finish",
    5000,
    "removal",
  );
});

test("finish: a room still playing at DRAIN_TIMEOUT_MS is handed over (4002) and the server exits 0", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ region: "deadline", playerName: "ann" });
  expect(r.serverId).toBe("gs-deadline");
  const ann = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const server = env.cluster.gameServer("gs-deadline").proc;
  const exit = server.kill("SIGTERM");
  await server.waitFor(drainingLine, 5000, "draining");
  const drainingAt = Date.now();
  expect(await ann.player.closed).toEqual({
    code: 4002,
    reason: "room is moving to another server; rejoin through the Gateway",
  });
  // The room played on until the deadline (a little less counted from here: the log line comes after the signal).
  expect(Date.now() - drainingAt).toBeGreaterThanOrEqual(800);
  expect(await exit).toEqual({ code: 0, signal: null });
});
