import { randomBytes } from "node:crypto";
import { JoinTokens } from "../common/token";
import { startCluster, startRegisteredGameServer } from "./harness/cluster";
import { codeOf } from "./harness/codes";
import { gatewayClient, Player, roomUrl } from "../testkit/client";

// Rotating the join-token secret with no downtime (README: Join tokens and secret rotation), in
// the middle of it: every game server accepts the old and the new secret, Gateway 0 already signs
// with the new one and Gateway 1 still with the old one. Tokens of both get in; a token of a key
// nobody lists does not; a server that dropped the old secret too early refuses old tokens.

const OLD = { kid: "k2026a", secret: randomBytes(24).toString("base64url") };
const NEW = { kid: "k2026b", secret: randomBytes(24).toString("base64url") };
const list = (...keys: { kid: string; secret: string }[]) => keys.map((k) => `${k.kid}:${k.secret}`).join(",");

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("rotation", {
    gateways: 2,
    gameServers: 1,
    gameServerEnv: { ROOMGATE_SECRET: "", JOIN_TOKEN_SECRETS: list(NEW, OLD) },
    gatewayEnvs: [
      { ROOMGATE_SECRET: "", JOIN_TOKEN_SECRETS: list(NEW, OLD) },
      { ROOMGATE_SECRET: "", JOIN_TOKEN_SECRETS: list(OLD, NEW) },
    ],
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("during a rotation tokens signed with either secret get in, and an old one still rejoins", async () => {
  const signsNew = gatewayClient(env.cluster.gatewayUrl(0));
  const signsOld = gatewayClient(env.cluster.gatewayUrl(1));
  const r = await signsOld.createRoom({ maxPlayers: 4 });
  expect(r.joinToken.startsWith(`${OLD.kid}.`)).toBe(true);
  const host = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const j = await signsNew.joinRoom({ roomId: r.roomId });
  expect(j.joinToken.startsWith(`${NEW.kid}.`)).toBe(true);
  const guest = await Player.join(j.serverAddress, j.roomId, j.joinToken);
  expect(guest.welcome.players).toHaveLength(2);
  // The host drops; its old-key token brings it back through the Gateway that signs with the new key.
  host.player.terminate();
  await guest.player.next("playerLeft");
  const back = await signsNew.joinRoom({ roomId: r.roomId, rejoinToken: r.joinToken });
  expect(back.playerId).toBe(r.playerId);
  expect(back.joinToken.startsWith(`${NEW.kid}.`)).toBe(true);
  const again = await Player.join(back.serverAddress, back.roomId, back.joinToken);
  expect(again.welcome.playerId).toBe(r.playerId);
  await again.player.leave();
  await guest.player.leave();
});

test("a token of a key id nobody lists is refused by game servers and Gateways", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const keeper = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const stranger = new JoinTokens([{ kid: "gone", secret: randomBytes(24).toString("base64url") }]);
  const forged = stranger.sign({
    roomId: r.roomId,
    playerId: "p_someone",
    serverId: r.serverId,
    playerName: "",
    expireTimeMs: Date.now() + 30_000,
  });
  const refused = await Player.connect(roomUrl(r.serverAddress, r.roomId, forged)).then(
    () => undefined,
    (e: { status: number; body: string }) => e,
  );
  expect(refused).toMatchObject({ status: 401, body: expect.stringMatching(/unknown key/) });
  const rejoin = gw.joinRoom({ roomId: r.roomId, rejoinToken: forged });
  expect(await codeOf(rejoin)).toBe("Unauthenticated");
  await expect(rejoin).rejects.toThrow(/unknown key/);
  await keeper.player.leave();
});

test("a server that dropped the old secret before the Gateways stopped signing with it refuses their tokens", async () => {
  await startRegisteredGameServer(env.cluster, "gs-new-only", {
    ROOMGATE_SECRET: "",
    JOIN_TOKEN_SECRETS: list(NEW),
    GAMESERVER_LABELS: "step=three",
  });
  const r = await gatewayClient(env.cluster.gatewayUrl(1)).createRoom({ labels: { step: "three" } });
  expect(r.serverId).toBe("gs-new-only");
  const refused = await Player.connect(roomUrl(r.serverAddress, r.roomId, r.joinToken)).then(
    () => undefined,
    (e: { status: number; body: string }) => e,
  );
  expect(refused).toMatchObject({ status: 401, body: expect.stringMatching(/unknown key/) });
  // The procedure's order avoids it: that Gateway signs with the new key once switched.
  const ok = await gatewayClient(env.cluster.gatewayUrl(0)).joinRoom({ roomId: r.roomId });
  const p = await Player.join(ok.serverAddress, ok.roomId, ok.joinToken);
  await p.player.leave();
});
