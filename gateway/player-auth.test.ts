import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from "jose";
import { MemoryStore } from "../common/store/memory-store";
import { JoinTokens } from "../common/token";
import { FakeAllocator } from "../testkit/fake-allocator";
import { gatewayClient } from "../testkit/client";
import { buildStandaloneGateway } from "../testkit/standalone-gateway";
import { codeOf } from "../test/harness/codes";
import { type PlayerAuthOptions, playerVerifier } from "./player-auth";
import type { DualServer } from "./listener";

// Verified players at a real Gateway (memory store, fake allocator): identity tokens signed with
// an HS256 secret, or with RS256/ES256 keys served as a JWKS by a local HTTP server.

const SECRET = "an-hs256-secret-of-at-least-32-bytes!";
const tokens = new JoinTokens("j".repeat(32));
const BASE: PlayerAuthOptions = {
  nameClaim: "nick",
  maxClaimsBytes: 1024,
  issuer: "https://id.test",
  audience: "roomgate",
};

let gw: DualServer | undefined;
let jwks: Server | undefined;
afterEach(async () => {
  await gw?.close(1000);
  gw = undefined;
  await new Promise((r) => (jwks ? jwks.close(r) : r(undefined)));
  jwks = undefined;
});

async function gateway(auth: PlayerAuthOptions) {
  const store = new MemoryStore();
  const allocator = await FakeAllocator.withServer(store, "local");
  gw = buildStandaloneGateway({ store, allocator, tokens, joinTokenTtlMs: 30_000, playerAuth: playerVerifier(auth) });
  const port = await gw.listen("127.0.0.1", 0);
  return { url: `http://127.0.0.1:${port}`, store };
}

function jwt(
  key: KeyLike | Uint8Array,
  alg: string,
  claims: JWTPayload = {},
  o: { kid?: string; exp?: string | number } = {},
) {
  return new SignJWT({ nick: "Ann", iss: "https://id.test", aud: "roomgate", sub: "user-1", ...claims })
    .setProtectedHeader({ alg, ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuedAt()
    .setExpirationTime(o.exp ?? "10m")
    .sign(key);
}
const hs = (claims: JWTPayload = {}, o: { exp?: string | number } = {}) =>
  jwt(new TextEncoder().encode(SECRET), "HS256", claims, o);
const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

test("HS256: the player is the token's sub, named by the configured claim; its claims ride in the join token", async () => {
  const { url } = await gateway({ ...BASE, jwtSecret: SECRET });
  const c = gatewayClient(url);
  const r = await c.createRoom({ playerName: "ignored" }, bearer(await hs({ roles: ["mod"] })));
  expect(r.playerId).toBe("user-1");
  const claims = tokens.verify(r.joinToken);
  expect(claims).toMatchObject({ playerId: "user-1", playerName: "Ann" });
  expect(claims.playerClaims).toMatchObject({ sub: "user-1", nick: "Ann", roles: ["mod"], aud: "roomgate" });
  // Another verified player joins as itself, over gRPC-Web too; without the name claim, the sub names it.
  const j = await gatewayClient(url, "grpc-web").joinRoom(
    { roomId: r.roomId },
    bearer(await hs({ sub: "user-2", nick: undefined })),
  );
  expect(tokens.verify(j.joinToken)).toMatchObject({ playerId: "user-2", playerName: "user-2" });
});

test("HS256: missing, expired, forged, wrong-audience, wrong-issuer and unsigned tokens are unauthenticated", async () => {
  const { url } = await gateway({ ...BASE, jwtSecret: SECRET });
  const c = gatewayClient(url);
  const refused = async (headers: Record<string, string>) => {
    const codes = await Promise.all([
      codeOf(c.createRoom({}, { headers })),
      codeOf(c.joinRoom({ roomId: "A".repeat(22) }, { headers })),
      codeOf(c.joinOrCreate({ mode: "duel" }, { headers })),
      codeOf(c.getRoom({ roomId: "A".repeat(22) }, { headers })),
      codeOf(c.listRooms({}, { headers })),
      codeOf(c.listRegions({}, { headers })),
    ]);
    return [...new Set(codes)];
  };
  expect(await refused({})).toEqual(["Unauthenticated"]);
  expect(await refused({ authorization: "Basic dXNlcjpwYXNz" })).toEqual(["Unauthenticated"]);
  expect(await refused(bearer(await hs({}, { exp: Math.floor(Date.now() / 1000) - 60 })).headers)).toEqual([
    "Unauthenticated",
  ]);
  const forged = await jwt(new TextEncoder().encode("another-secret-of-at-least-32-bytes!!"), "HS256");
  expect(await refused(bearer(forged).headers)).toEqual(["Unauthenticated"]);
  expect(await refused(bearer(await hs({ aud: "someone-else" })).headers)).toEqual(["Unauthenticated"]);
  expect(await refused(bearer(await hs({ iss: "https://evil.test" })).headers)).toEqual(["Unauthenticated"]);
  const body = (await hs()).split(".")[1];
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${body}.`;
  expect(await refused(bearer(none).headers)).toEqual(["Unauthenticated"]);
  expect(await refused(bearer(await hs({ blob: "x".repeat(2000) })).headers)).toEqual(["Unauthenticated"]);
  const e = await c.createRoom({}, bearer(await hs({}, { exp: Math.floor(Date.now() / 1000) - 60 }))).catch((x) => x);
  expect(String(e)).toMatch(/expired/);
  // And the right token still works.
  expect(await codeOf(c.listRooms({}, bearer(await hs())))).toBe("ok");
});

test("HS256: request_id and rejoin tokens belong to the verified player", async () => {
  const { url } = await gateway({ ...BASE, jwtSecret: SECRET });
  const c = gatewayClient(url);
  const ann = bearer(await hs({ sub: "ann" }));
  const bob = bearer(await hs({ sub: "bob" }));
  const mine = await c.createRoom({ requestId: "k1" }, ann);
  expect((await c.createRoom({ requestId: "k1" }, ann)).roomId).toBe(mine.roomId);
  const theirs = await c.createRoom({ requestId: "k1" }, bob);
  expect(theirs.roomId).not.toBe(mine.roomId);
  expect(theirs.playerId).toBe("bob");
  // Bob cannot come back as ann with her token.
  const stolen = c.joinRoom({ roomId: mine.roomId, rejoinToken: mine.joinToken }, bob);
  expect(await codeOf(stolen)).toBe("Unauthenticated");
  await expect(stolen).rejects.toThrow(/another player's/);
  expect((await c.joinRoom({ roomId: mine.roomId, rejoinToken: mine.joinToken }, ann)).playerId).toBe("ann");
});

async function serveJwks(keys: object[]) {
  const served = { keys, fetches: 0 };
  jwks = createServer((_req, res) => {
    served.fetches++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: served.keys }));
  });
  await new Promise<void>((r) => jwks!.listen(0, "127.0.0.1", r));
  return { served, url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json` };
}

test("JWKS: RS256 and ES256 tokens verify against the issuer's keys, fetched once and refetched for a new kid", async () => {
  const rsa = await generateKeyPair("RS256");
  const ec = await generateKeyPair("ES256");
  const later = await generateKeyPair("ES256");
  const { served, url: jwksUrl } = await serveJwks([
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256" },
  ]);
  const { url } = await gateway({ ...BASE, jwksUrl, jwksCooldownMs: 0 });
  const c = gatewayClient(url);
  expect(
    (await c.createRoom({}, bearer(await jwt(rsa.privateKey, "RS256", { sub: "r" }, { kid: "rsa-1" })))).playerId,
  ).toBe("r");
  expect(
    (await c.createRoom({}, bearer(await jwt(ec.privateKey, "ES256", { sub: "e" }, { kid: "ec-1" })))).playerId,
  ).toBe("e");
  expect(served.fetches).toBe(1);
  // A key the issuer does not publish is refused; once published (key rotation), it is fetched and accepted.
  const rotated = await jwt(later.privateKey, "ES256", { sub: "l" }, { kid: "ec-2" });
  expect(await codeOf(c.createRoom({}, bearer(rotated)))).toBe("Unauthenticated");
  served.keys.push({ ...(await exportJWK(later.publicKey)), kid: "ec-2", alg: "ES256" });
  expect((await c.createRoom({}, bearer(rotated))).playerId).toBe("l");
  // A token signed by a key of the right kid but not the issuer's, and an HS256 token, are refused.
  const impostor = await generateKeyPair("ES256");
  expect(await codeOf(c.createRoom({}, bearer(await jwt(impostor.privateKey, "ES256", {}, { kid: "ec-1" }))))).toBe(
    "Unauthenticated",
  );
  expect(await codeOf(c.createRoom({}, bearer(await hs())))).toBe("Unauthenticated");
});

test("JWKS: an issuer that cannot be reached is the Gateway's trouble (unavailable), not the player's", async () => {
  const ec = await generateKeyPair("ES256");
  const { url } = await gateway({ ...BASE, jwksUrl: "http://127.0.0.1:1/jwks.json" });
  const call = gatewayClient(url).createRoom({}, bearer(await jwt(ec.privateKey, "ES256", {}, { kid: "k" })));
  expect(await codeOf(call)).toBe("Unavailable");
}, 15_000);

test("bad settings are refused up front", () => {
  expect(() => playerVerifier({ ...BASE })).toThrow(/exactly one/);
  expect(() => playerVerifier({ ...BASE, jwtSecret: SECRET, jwksUrl: "http://x" })).toThrow(/exactly one/);
  expect(() => playerVerifier({ ...BASE, jwtSecret: "short" })).toThrow(/32 bytes/);
  expect(() => playerVerifier({ ...BASE, jwksUrl: "not a url" })).toThrow(/not a URL/);
});
