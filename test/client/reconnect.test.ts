import { startCluster, startRegisteredGameServer } from "../harness/cluster";
import { RoomgateClient } from "@roomgate/client";
import { startTcpProxy, type TcpProxy } from "../../testkit/tcp-proxy";
import { nextEvent, nextState, record, text, untext } from "../../testkit/sdk-events";

// Connections that drop and rooms that vanish, on a real mesh. Game servers are started here, each
// in a region of its own so a test can choose where its room lives: "proxied" sits behind a TCP
// proxy the test can cut, "doomed" is stopped with SIGTERM (and drains).

let env: Awaited<ReturnType<typeof startCluster>>;
let proxy: TcpProxy;
let fragileProxy: TcpProxy;

beforeAll(async () => {
  env = await startCluster("sdk-reconnect", { gateways: 1, gameServers: 0 });
  // The proxy must listen first: its address is what the game server registers as public.
  proxy = await startTcpProxy();
  const proxied = await startRegisteredGameServer(env.cluster, "gs-proxied", {
    GAMESERVER_REGION: "proxied",
    GAMESERVER_PUBLIC_ADDRESS: `ws://127.0.0.1:${proxy.port}`,
    // When every player's connection drops at once the room is empty; the grace keeps it for
    // their return (with none it would be removed at once, and rightly so).
    RECONNECT_GRACE_MS: "20000",
  });
  proxy.targetPort = proxied.port;
  fragileProxy = await startTcpProxy();
  const fragile = await startRegisteredGameServer(env.cluster, "gs-fragile", {
    GAMESERVER_REGION: "fragile",
    GAMESERVER_PUBLIC_ADDRESS: `ws://127.0.0.1:${fragileProxy.port}`,
  });
  fragileProxy.targetPort = fragile.port;
  await startRegisteredGameServer(env.cluster, "gs-doomed", { GAMESERVER_REGION: "doomed" });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await fragileProxy?.close();
  await env?.stop();
}, 60_000);

test("after a network drop both players come back to the same room as themselves, with the state they own, and talk again", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  const w = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol: "grpc-web" });
  const ann = await c.createRoom({ region: "proxied", playerName: "ann" });
  expect(ann.serverAddress).toBe(`ws://127.0.0.1:${proxy.port}`);
  const bob = await w.joinRoom(ann.roomId, { playerName: "bob" });
  const [annLog, bobLog] = [record(ann), record(bob)];
  const [annBefore, bobBefore] = [ann.playerId, bob.playerId];
  // Ann owns a key, and the room has one nobody owns.
  const seen = nextState(bob, "flag");
  ann.setState(`pos/${ann.playerId}`, text("here"), { owned: true });
  ann.setState("flag", text("up"));
  await seen;
  expect(bob.state.get(`pos/${ann.playerId}`)).toEqual({ value: text("here"), owner: ann.playerId });

  const waits = [ann, bob].map((r) => ({
    reconnecting: nextEvent(r, "connection", (s) => s === "reconnecting"),
    open: nextEvent(r, "connection", (s) => s === "open"),
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
    // The rejoin token brought each back as the same player.
    expect(welcome.playerId).toBe(before);
    expect(room.playerId).toBe(before);
    expect(welcome.restored).toBe(false);
  }

  // Whoever came back second is welcomed with the first one in the list; the first one hears the
  // second join. Either way, each ends up knowing the other.
  const knows = (room: typeof ann, id: string) => room.players.some((p) => p.id === id);
  if (!knows(ann, bob.playerId)) await nextEvent(ann, "playerJoined", (p) => p.id === bob.playerId);
  if (!knows(bob, ann.playerId)) await nextEvent(bob, "playerJoined", (p) => p.id === ann.playerId);

  // The server dropped Ann's owned key when her connection went; her SDK set it again, so both
  // end up with it (Bob from his welcome, or from Ann setting it again after he was back).
  const annKey = `pos/${ann.playerId}`;
  const has = (room: typeof ann) => room.state.get(annKey)?.owner === ann.playerId;
  if (!has(bob)) await nextState(bob, annKey, (v) => !!v);
  for (const room of [ann, bob]) {
    expect(room.state.get(annKey)).toEqual({ value: text("here"), owner: ann.playerId });
    expect(room.state.get("flag")).toEqual({ value: text("up"), owner: "" });
  }
  // And it still is the server's: a newcomer finds it in its welcome.
  const cy = await w.joinRoom(ann.roomId, { playerName: "cy" });
  expect(cy.state.get(annKey)).toEqual({ value: text("here"), owner: ann.playerId });
  await cy.leave();

  const atBob = nextEvent(bob, "message");
  ann.broadcast(text("still here"));
  expect(await atBob).toEqual({ fromPlayerId: ann.playerId, payload: text("still here") });
  const atAnn = nextEvent(ann, "message");
  bob.send(ann.playerId, text("me too"));
  expect(untext((await atAnn).payload)).toBe("me too");
  expect(await ann.ping()).toBeGreaterThan(0);

  await bob.leave();
  await ann.leave();
  expect([ann.connection, bob.connection]).toEqual(["closed", "closed"]);
  expect(annLog.states).toEqual(["reconnecting", "open", "closed"]);
});

// Reconnect attempts that fail at the socket: the proxy's upstream is a port nobody listens on
// (the connection dies before any HTTP answer), or the other game server, which refuses the
// upgrade because the token names another server.
test.each([
  [
    "a dead port",
    async () => {
      const dead = await startTcpProxy();
      await dead.close();
      return { port: dead.port, failure: /socket hang up|ECONNRESET/ };
    },
  ],
  [
    "a server that refuses the upgrade",
    async () => ({ port: env.cluster.gameServer("gs-doomed").port, failure: /upgrade refused: 401 .*wrong server/ }),
  ],
])("connections to %s count as failed attempts; running out of them closes the room", async (_what, target) => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), {
    reconnect: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 40 },
  });
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
    expect(log.errors.map((e) => e.message)).toEqual(
      [1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^reconnect attempt ${n}/3 to room .* failed: `))),
    );
    for (const e of log.errors) expect(e.message).toMatch(failure);
    expect(() => ann.broadcast(text("x"))).toThrow(/closed/);
  } finally {
    proxy.targetPort = realTarget;
  }
});

test("leave() while reconnecting stops at once: no further attempts, closed with 1000", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), {
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  const ann = await c.createRoom({ region: "proxied", playerName: "ann" });
  const log = record(ann);
  const reconnecting = nextEvent(ann, "connection", (s) => s === "reconnecting");
  proxy.dropAll();
  await reconnecting;
  const closed = nextEvent(ann, "closed");
  await ann.leave(); // would hang for the 30-60 s backoff if leave() did not cut it short
  expect(await closed).toEqual({ code: 1000, reason: "left" });
  expect(log.states).toEqual(["reconnecting", "closed"]);
  expect(log.errors).toEqual([]);
});

test("a room whose only player's connection drops is gone: the SDK learns it from the Gateway and closes", async () => {
  // gs-fragile keeps no empty room (no reconnect grace): cutting Ann off removes her room at once.
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  const ann = await c.createRoom({ region: "fragile", playerName: "ann" });
  expect(ann.serverId).toBe("gs-fragile");
  const log = record(ann);
  const closed = nextEvent(ann, "closed");
  expect(fragileProxy.dropAll()).toBe(1);
  const info = await closed;
  expect(info.code).toBe(1006);
  expect(info.error?.message).toBe(`room ${ann.roomId} is gone: the Gateway no longer knows it`);
  expect(log.states).toEqual(["reconnecting", "closed"]);
  // Attempts made before the Manager had removed the mapping failed at the server (no such room)
  // and were reported; they stayed within the budget.
  for (const e of log.errors) expect(e.message).toMatch(/^reconnect attempt \d\/8 to room .* failed: .*404/);
  expect(log.errors.length).toBeLessThan(8);
  await ann.leave(); // nothing left to do
});

test("SIGTERM drains the server: its rooms are handed over, players are closed with 4002 and ask the Gateway again at once", async () => {
  // Backoff far longer than the test: only the immediate first attempt that 4002 earns can run.
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), {
    reconnect: { maxAttempts: 1, initialDelayMs: 60_000, maxDelayMs: 60_000 },
  });
  const ann = await c.createRoom({ region: "doomed", playerName: "ann" });
  expect(ann.serverId).toBe("gs-doomed");
  ann.setState(`pos/${ann.playerId}`, text("here"), { owned: true });
  expect(await ann.ping()).toBeGreaterThan(0); // the server has the state before it drains
  const log = record(ann);
  const reconnecting = nextEvent(ann, "connection", (s) => s === "reconnecting");
  // Whatever the one attempt finds, it ends the reconnect: the room back (on a server that
  // restored it) or closed (moved nowhere yet, or gone).
  const settled = nextEvent(ann, "connection", (s) => s === "open" || s === "closed");
  let closed: { code: number; error?: Error } | undefined;
  ann.on("closed", (info) => (closed = info));

  const doomed = env.cluster.gameServer("gs-doomed").proc;
  const exited = doomed.kill("SIGTERM");
  await reconnecting;
  const since = Date.now();
  const outcome = await settled;
  expect(Date.now() - since).toBeLessThan(10_000);
  // No error frame: nothing went wrong for the player.
  expect(log.errors.filter((e) => e.name === "RoomServerError")).toEqual([]);
  if (outcome === "open") {
    expect(ann.state.get(`pos/${ann.playerId}`)?.value).toEqual(text("here"));
  } else {
    expect(closed?.code).toBe(4002);
  }
  console.log(
    `after the drain: ${outcome === "open" ? `back in the room on ${ann.serverId}` : `closed: ${closed?.error?.message}`}`,
  );
  await ann.leave();
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(doomed.lines.some((l) => l.msg === "game server draining" && l.mode === "migrate")).toBe(true);
});
