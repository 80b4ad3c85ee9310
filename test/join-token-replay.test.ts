import { JoinTokens } from "../common/token";
import { openSocket } from "../client/platform-node.js";
import { RoomgateClient } from "@roomgate/client";
import { openConnection } from "../client/connection";
import { CLOSE } from "@roomgate/client/protocol/close-codes";
import { roomSubprotocols, roomUrl } from "@roomgate/client/protocol/urls";
import { startCluster } from "./harness/cluster";
import { codeOf } from "./harness/codes";
import { gatewayClient, Player } from "../testkit/client";
import { nextEvent } from "../testkit/sdk-events";

// Issue 10's replay findings against a mesh of separate processes, each one a regression test:
// a join token used twice, a leaked token rejoining forever (after a leave, past any session
// lifetime), and a request_id that hands another client the creator's room and player.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  // The Gateway counts clients by X-Forwarded-For, so one test process can be several clients.
  env = await startCluster("replay", {
    gameServers: 1,
    gatewayEnv: { GATEWAY_TRUST_PROXY: "true", GATEWAY_TRUSTED_PROXY_HOPS: "1" },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const refusal = (url: string, protocols: string[] = []) =>
  Player.connect(url, protocols).then(
    (p) => {
      p.terminate();
      throw new Error("the connection was accepted");
    },
    (e: { status: number; body: string }) => e,
  );

test("a join token opens one connection: a second use is refused before the upgrade and the first stays", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const first = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  // Before: the second use was welcomed and the first connection closed with 4001 (replaced).
  const again = await refusal(roomUrl(r.serverAddress, r.roomId, r.joinToken));
  expect(again.status).toBe(403);
  expect(again.body).toMatch(/already used/);
  // The same token as a subprotocol is the same token.
  expect((await refusal(roomUrl(r.serverAddress, r.roomId), roomSubprotocols(r.joinToken))).status).toBe(403);
  first.player.send({ case: "ping", value: { nonce: 7 } });
  expect((await first.player.next("pong")).frame.value.nonce).toBe(7);
  await first.player.leave();
});

test("a token spent in the store (say, before its server restarted) joins nobody", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const claims = new JoinTokens(env.cluster.o.secret).verify(r.joinToken);
  const tokenId = Buffer.from(claims.tokenId).toString("base64url");
  expect(await env.store.spendToken({ tokenId, untilMs: Number(claims.expireTimeMs), nowMs: Date.now() })).toBe(true);
  // This server never saw it, so the upgrade goes through; the store's answer closes it unwelcomed.
  const p = await Player.connect(roomUrl(r.serverAddress, r.roomId, r.joinToken));
  const outcome = await Promise.race([p.closed, p.next("welcome", 5_000).then(() => "welcomed")]);
  expect(outcome).toEqual({ code: CLOSE.policyViolation, reason: expect.stringMatching(/already used/) });
  expect(p.frames).toEqual([]);
  const fresh = await Player.join(r.serverAddress, r.roomId, (await gw.joinRoom({ roomId: r.roomId })).joinToken);
  await fresh.player.leave();
});

test("a rejoin ticket that opens its room is a first join: nobody has left a room that opens now", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const tokens = new JoinTokens(env.cluster.o.secret);
  const first = tokens.verify(r.joinToken);
  expect(first.open).toBeDefined(); // its server opens it on its first token
  // What the Gateway hands the creator when it finds its first token spent: its JoinRoom was
  // retried after a try whose answer was lost had handed that token on (and spent it).
  const rejoin = tokens.sign({
    roomId: r.roomId,
    playerId: first.playerId,
    serverId: first.serverId,
    playerName: "ann",
    expireTimeMs: Number(first.expireTimeMs),
    sessionStartMs: Number(first.sessionStartMs),
    rejoin: true,
    open: first.open,
  });
  // Before: 403 player is not expected back in this room.
  const joined = await Player.join(r.serverAddress, r.roomId, rejoin);
  expect(joined.welcome.players.map((p) => p.id)).toEqual([first.playerId]);
  // Once the room runs, a rejoin ticket is a way back only, as before.
  const stranger = tokens.sign({
    roomId: r.roomId,
    serverId: first.serverId,
    playerName: "eve",
    playerId: "p-eve",
    expireTimeMs: Number(first.expireTimeMs),
    rejoin: true,
    open: first.open,
  });
  const refused = await refusal(roomUrl(r.serverAddress, r.roomId, stranger));
  expect({ status: refused.status, body: refused.body }).toEqual({
    status: 403,
    body: expect.stringMatching(/not expected back/),
  });
  await joined.player.leave();
});

test("the SDK surfaces a spent token: the upgrade's 403 and its reason", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const used = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  // The SDK's connection with a ticket somebody else used first.
  const failed = await new Promise<Error>((resolve, reject) => {
    openConnection(openSocket, r, 10_000, {
      welcome: () => {
        reject(new Error("welcomed with a spent token"));
        return false;
      },
      frame: () => {},
      garbled: reject,
      failed: resolve,
      dropped: () => reject(new Error("dropped")),
    });
  });
  expect(failed.message).toMatch(/upgrade refused: 403 join token already used/);
  expect((failed.cause as { status?: number }).status).toBe(403);
  await used.player.leave();
});

test("a leaked token no longer rejoins once its player left for good; a dropped player may come back", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0));
  const host = await c.createRoom({ playerName: "host", maxPlayers: 4 });
  const ann = await c.joinRoom(host.roomId, { playerName: "ann" });
  const leaked = ann.joinToken;
  const annLeft = nextEvent(host, "playerLeft");
  await ann.leave(); // close 1000: a leave
  await annLeft;
  // Before: the Gateway and the server took the leaked token back as ann, for as long as anyone liked.
  const comeback = await c.joinRoom(host.roomId, { rejoinToken: leaked }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(comeback?.message).toMatch(/403.*not expected back/);

  // A connection that drops without a leave is expected back (REJOIN_GRACE_MS) as the same player.
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const bob = await gw.joinRoom({ roomId: host.roomId, playerName: "bob" });
  const conn = await Player.join(bob.serverAddress, bob.roomId, bob.joinToken);
  const bobLeft = nextEvent(host, "playerLeft");
  conn.player.terminate();
  await bobLeft;
  const back = await gw.joinRoom({ roomId: host.roomId, rejoinToken: bob.joinToken });
  expect(back.playerId).toBe(bob.playerId);
  const again = await Player.join(back.serverAddress, back.roomId, back.joinToken);
  expect(again.welcome.playerId).toBe(bob.playerId);
  await again.player.leave();
  await host.leave();
});

test("every rejoin keeps the session's start, and none is granted past SESSION_MAX_MS", async () => {
  const tokens = new JoinTokens(env.cluster.o.secret);
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const host = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const start = tokens.verify(r.joinToken).sessionStartMs;
  // An empty room is removed at once (RECONNECT_GRACE_MS 0): another player keeps it.
  const keeper = await gw.joinRoom({ roomId: r.roomId });
  const keep = await Player.join(keeper.serverAddress, keeper.roomId, keeper.joinToken);
  host.player.terminate();
  await keep.player.next("playerLeft");
  const rejoined = await gw.joinRoom({ roomId: r.roomId, rejoinToken: r.joinToken });
  const claims = tokens.verify(rejoined.joinToken);
  // Before: a rejoin's token was a first ticket again, so rejoins chained forever.
  expect(claims.sessionStartMs).toBe(start);
  expect(claims.rejoin).toBe(true);
  // A token whose session began a day ago (the default SESSION_MAX_MS) rejoins no more.
  const old = tokens.sign({
    roomId: r.roomId,
    playerId: r.playerId,
    serverId: r.serverId,
    playerName: "",
    expireTimeMs: Date.now() + 30_000,
    sessionStartMs: Date.now() - 86_400_000 - 1,
  });
  const refused = gw.joinRoom({ roomId: r.roomId, rejoinToken: old });
  expect(await codeOf(refused)).toBe("Unauthenticated");
  await expect(refused).rejects.toThrow(/session is over/);
  await keep.player.leave();
});

test("request_id is the caller's: another client with the same key gets a room of its own", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const as = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
  const key = `shared-key-${Date.now()}`;
  const creator = await gw.createRoom({ requestId: key, maxPlayers: 2 }, as("10.0.0.1"));
  const seat = await Player.join(creator.serverAddress, creator.roomId, creator.joinToken);
  // Before: the same room and the creator's player id, whose token then kicked the creator.
  const other = await gw.createRoom({ requestId: key, maxPlayers: 2 }, as("10.0.0.2"));
  expect(other.roomId).not.toBe(creator.roomId);
  expect(other.playerId).not.toBe(creator.playerId);
  // The creator's own retry is still idempotent.
  const retry = await gw.createRoom({ requestId: key, maxPlayers: 2 }, as("10.0.0.1"));
  expect(retry).toMatchObject({ roomId: creator.roomId, playerId: creator.playerId });
  seat.player.send({ case: "ping", value: { nonce: 1 } });
  await seat.player.next("pong");
  expect(await Promise.race([seat.player.closed, Promise.resolve("open")])).toBe("open");
  expect((await seat.player.leave()).code).toBe(CLOSE.normal);
});

afterAll(() => {
  for (const p of env.cluster.procs)
    for (const l of p.lines)
      if (/DBG|room closed|refused/.test(String(l.msg))) console.log("LOG", p.name, JSON.stringify(l));
});
