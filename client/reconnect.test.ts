import { startCluster } from "../test/harness/cluster";
import { ErrorCode, RoomgateClient, RoomServerError } from "./index";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";
import { nextEvent, record, text, untext } from "./test-events";

// Connections that drop and rooms that vanish, on a real mesh. Game servers are started here, each
// in a region of its own so a test can choose where its room lives: "proxied" sits behind a TCP
// proxy the test can cut, "doomed" is stopped with SIGTERM.

let env: Awaited<ReturnType<typeof startCluster>>;
let proxy: TcpProxy;

async function startRegisteredGameServer(id: string, extra: Record<string, string>) {
  const gs = await env.cluster.startGameServer(id, extra);
  await env.cluster.manager.proc.waitFor((l) => l.msg === "game server registered" && l.serverId === id, 15_000, `${id} registered`);
  return gs;
}

beforeAll(async () => {
  env = await startCluster("sdk-reconnect", { gateways: 1, gameServers: 0 });
  // The proxy must listen first: its address is what the game server registers as public.
  proxy = await startTcpProxy();
  const proxied = await startRegisteredGameServer("gs-proxied", {
    GAMESERVER_REGION: "proxied",
    GAMESERVER_PUBLIC_ADDRESS: `ws://127.0.0.1:${proxy.port}`,
    // When every player's connection drops at once the room is empty; the grace keeps it for
    // their return (with none it would be removed at once, and rightly so).
    RECONNECT_GRACE_MS: "20000",
  });
  proxy.targetPort = proxied.port;
  await startRegisteredGameServer("gs-doomed", { GAMESERVER_REGION: "doomed" });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await env?.stop();
}, 60_000);

test("after a network drop both players come back to the same room and talk again", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  const w = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol: "grpc-web" });
  const ann = await c.createRoom({ region: "proxied", playerName: "ann" });
  expect(ann.serverAddress).toBe(`ws://127.0.0.1:${proxy.port}`);
  const bob = await w.joinRoom(ann.roomId, { playerName: "bob" });
  const [annLog, bobLog] = [record(ann), record(bob)];
  const [annBefore, bobBefore] = [ann.playerId, bob.playerId];

  const waits = [ann, bob].map((r) => ({
    reconnecting: nextEvent(r, "state", (s) => s === "reconnecting"),
    open: nextEvent(r, "state", (s) => s === "open"),
    welcome: nextEvent(r, "welcome"),
  }));
  expect(proxy.dropAll()).toBeGreaterThanOrEqual(2);
  for (const w of waits) {
    await w.reconnecting;
    await w.open;
  }
  const [annWelcome, bobWelcome] = await Promise.all(waits.map((w) => w.welcome));
  expect(annLog.states).toEqual(["reconnecting", "open"]);
  expect(bobLog.states).toEqual(["reconnecting", "open"]);
  for (const [room, welcome, before] of [
    [ann, annWelcome, annBefore],
    [bob, bobWelcome, bobBefore],
  ] as const) {
    expect(welcome.roomId).toBe(room.roomId);
    expect(room.roomId).toBe(ann.roomId);
    expect(room.serverId).toBe("gs-proxied");
    // JoinRoom hands out a new player id, and the room knows it.
    expect(room.playerId).toBe(welcome.playerId);
    expect(room.playerId).not.toBe(before);
  }

  // Whoever came back second is welcomed with the first one in the list; the first one hears the
  // second join. Either way, each ends up knowing the other's new id.
  const knows = (room: typeof ann, id: string) => room.players.some((p) => p.id === id);
  if (!knows(ann, bob.playerId)) await nextEvent(ann, "playerJoined", (p) => p.id === bob.playerId);
  if (!knows(bob, ann.playerId)) await nextEvent(bob, "playerJoined", (p) => p.id === ann.playerId);

  const atBob = nextEvent(bob, "message");
  ann.broadcast(text("still here"));
  expect(await atBob).toEqual({ fromPlayerId: ann.playerId, payload: text("still here") });
  const atAnn = nextEvent(ann, "message");
  bob.send(ann.playerId, text("me too"));
  expect(untext((await atAnn).payload)).toBe("me too");
  expect(await ann.ping()).toBeGreaterThan(0);

  await bob.leave();
  await ann.leave();
  expect([ann.state, bob.state]).toEqual(["closed", "closed"]);
  expect(annLog.states).toEqual(["reconnecting", "open", "closed"]);
});

// Reconnect attempts that fail at the socket: the proxy's upstream is a port nobody listens on
// (the connection dies before any HTTP answer), or the other game server, which refuses the
// upgrade because the token names another server.
test.each([
  ["a dead port", async () => {
    const dead = await startTcpProxy();
    await dead.close();
    return { port: dead.port, failure: /socket hang up|ECONNRESET/ };
  }],
  ["a server that refuses the upgrade", async () => ({ port: env.cluster.gameServer("gs-doomed").port, failure: /upgrade refused: 401 .*wrong server/ })],
])("connections to %s count as failed attempts; running out of them closes the room", async (_what, target) => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { reconnect: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 40 } });
  const ann = await c.createRoom({ region: "proxied", playerName: "ann" });
  const log = record(ann);
  const realTarget = proxy.targetPort;
  const { port, failure } = await target();
  proxy.targetPort = port;
  try {
    const closed = nextEvent(ann, "closed");
    proxy.dropAll();
    const info = await closed;
    expect(info.error?.message).toBe(`room ${ann.roomId}: gave up after 3 attempts to reconnect`);
    expect(log.states).toEqual(["reconnecting", "closed"]);
    expect(log.errors.map((e) => e.message)).toEqual([1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^reconnect attempt ${n}/3 to room .* failed: `))));
    for (const e of log.errors) expect(e.message).toMatch(failure);
    expect(() => ann.broadcast(text("x"))).toThrow(/closed/);
  } finally {
    proxy.targetPort = realTarget;
  }
});

test("leave() while reconnecting stops at once: no further attempts, closed with 1000", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
  const ann = await c.createRoom({ region: "proxied", playerName: "ann" });
  const log = record(ann);
  const reconnecting = nextEvent(ann, "state", (s) => s === "reconnecting");
  proxy.dropAll();
  await reconnecting;
  const closed = nextEvent(ann, "closed");
  await ann.leave(); // would hang for the 30-60 s backoff if leave() did not cut it short
  expect(await closed).toEqual({ code: 1000, reason: "left" });
  expect(log.states).toEqual(["reconnecting", "closed"]);
  expect(log.errors).toEqual([]);
});

test("a room whose server is stopped with SIGTERM: the SDK tries, learns the room is gone, and closes", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0));
  const ann = await c.createRoom({ region: "doomed", playerName: "ann" });
  expect(ann.serverId).toBe("gs-doomed");
  const log = record(ann);
  const closed = nextEvent(ann, "closed");

  const exited = env.cluster.gameServer("gs-doomed").proc.kill("SIGTERM");
  const info = await closed;
  expect(info.code).toBe(1001);
  expect(info.error?.message).toBe(`room ${ann.roomId} is gone: the Gateway no longer knows it`);
  expect(log.states).toEqual(["reconnecting", "closed"]);
  // The server said why before closing; any failed attempts (the mapping not yet removed) are
  // reported too, and stayed within the budget.
  expect(log.errors[0]).toBeInstanceOf(RoomServerError);
  expect((log.errors[0] as RoomServerError).code).toBe(ErrorCode.ROOM_CLOSING);
  expect(log.errors.length - 1).toBeLessThan(8);
  expect(ann.state).toBe("closed");
  await ann.leave(); // nothing left to do
  expect(await exited).toEqual({ code: 0, signal: null });
});
