import { SignJWT } from "jose";
import { Code, ConnectError } from "@connectrpc/connect";
import { RoomgateClient } from "@roomgate/client";
import { startCluster } from "../harness/cluster";
import { nextEvent } from "../../testkit/sdk-events";

// Verified players end to end: Gateways with AUTH_JWT_SECRET, the SDK's `token` option (a string,
// or a function asked before every call), the player's id and name from the identity token.

const SECRET = "the-players-hs256-secret-32-bytes-long";
let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("player-auth", {
    gateways: 1,
    gameServers: 1,
    gatewayEnv: { AUTH_JWT_SECRET: SECRET, AUTH_AUDIENCE: "game", AUTH_NAME_CLAIM: "nickname" },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const identity = (sub: string, nickname: string) =>
  new SignJWT({ nickname })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setAudience("game")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));

test("the SDK sends its token on every call; players are who their tokens say", async () => {
  let asked = 0;
  const ann = new RoomgateClient(env.cluster.gatewayUrl(0), {
    token: async () => {
      asked++;
      return identity("ann-42", "Ann");
    },
  });
  const bob = new RoomgateClient(env.cluster.gatewayUrl(0), {
    protocol: "grpc-web",
    token: await identity("bob-7", "Bob"),
  });
  const a = await ann.createRoom({ playerName: "not me", measureRegions: false });
  expect(a.playerId).toBe("ann-42");
  expect(a.players).toEqual([expect.objectContaining({ id: "ann-42", name: "Ann" })]);
  const joined = nextEvent(a, "playerJoined");
  const b = await bob.joinRoom(a.roomId);
  expect(b.playerId).toBe("bob-7");
  expect(await joined).toMatchObject({ id: "bob-7", name: "Bob" });
  expect(asked).toBe(1);
  await ann.getRoom(a.roomId);
  expect(asked).toBe(2);
  await b.leave();
  await a.leave();
});

test("without a token, or with a bad one, every call is unauthenticated", async () => {
  const none = new RoomgateClient(env.cluster.gatewayUrl(0));
  const e = await none.createRoom({ measureRegions: false }).catch((x: unknown) => x);
  expect(ConnectError.from(e).code).toBe(Code.Unauthenticated);
  const wrong = new RoomgateClient(env.cluster.gatewayUrl(0), {
    token: await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .setAudience("other")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET)),
  });
  expect(ConnectError.from(await wrong.listRooms().catch((x: unknown) => x)).code).toBe(Code.Unauthenticated);
  expect(() => new RoomgateClient("http://127.0.0.1:1", { token: 42 as never })).toThrow(/token must be/);
});
