import { gatewayClient, Player, roomUrl } from "../testkit/client";
import { type Started, startUp } from "../testkit/cluster";
import { startCluster } from "./harness/cluster";
import { codeOf, failure } from "./harness/codes";

// No free capacity (issue 10): every public RPC is rate-limited per client, and no client holds
// more than a few rooms nobody joined or seats nobody used, across two Gateways on one Redis, and
// in `roomgate up`. Each client is an X-Forwarded-For address (one trusted proxy in front).

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("client-caps", {
    gateways: 2,
    gameServers: 1,
    gatewayEnv: {
      GATEWAY_TRUST_PROXY: "true",
      RATE_LIMIT_QUICKJOIN_PER_S: "2",
      RATE_LIMIT_QUICKJOIN_BURST: "2",
      RATE_LIMIT_READ_PER_S: "2",
      RATE_LIMIT_READ_BURST: "2",
      CLIENT_MAX_UNJOINED_ROOMS: "2",
      CLIENT_MAX_UNUSED_SEATS: "3",
      // JOIN_TOKEN_TTL_MS is left at its default: the first-use window under test.
    },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

/** Calls as the client at this address, through Gateway i. */
const as = (address: string) => ({ headers: { "x-forwarded-for": address } });
const gw = (i: number) => gatewayClient(env.cluster.gatewayUrl(i));

test("JoinOrCreate, GetRoom, ListRooms and ListRegions are rate-limited per client, counted across both Gateways", async () => {
  const room = await gw(0).createRoom({}, as("203.0.113.10"));
  const reads: [string, (i: number, c: ReturnType<typeof as>) => Promise<unknown>][] = [
    ["GetRoom", (i, c) => gw(i).getRoom({ roomId: room.roomId }, c)],
    ["ListRooms", (i, c) => gw(i).listRooms({}, c)],
    ["ListRegions", (i, c) => gw(i).listRegions({}, c)],
    ["JoinOrCreate", (i, c) => gw(i).joinOrCreate({ mode: "limits" }, c)],
  ];
  for (const [name, call] of reads) {
    const client = as(`203.0.113.${20 + reads.findIndex(([n]) => n === name)}`);
    // One call on each Gateway, then a third on either: the count is the client's, not a Gateway's.
    expect([await codeOf(call(0, client)), await codeOf(call(1, client))]).toEqual(["ok", "ok"]);
    const err = await failure(call(0, client));
    expect([name, err.code]).toEqual([name, 8]); // resource_exhausted
    expect(err.rawMessage).toMatch(
      /^rate limit: at most 2 .* calls per second \(bursts of 2\) per client; retry in \d+ ms$/,
    );
    expect(err.metadata.get("retry-after")).toBe("1");
  }
  // Another client is not held back.
  expect(await codeOf(gw(1).getRoom({ roomId: room.roomId }, as("203.0.113.30")))).toBe("ok");
});

test("rooms nobody joined are capped per client across both Gateways; a join frees the room's place", async () => {
  const client = as("203.0.113.40");
  const a = await gw(0).createRoom({}, client);
  await gw(1).createRoom({}, client);
  const err = await failure(gw(0).createRoom({}, client));
  expect(err.code).toBe(8);
  expect(err.rawMessage).toBe(
    "client cap: at most 2 rooms nobody has joined yet per client; use one, or retry once one lapses (within 10 s)",
  );
  expect(err.metadata.get("retry-after")).toBe("10");
  expect(await codeOf(gw(1).createRoom({}, as("203.0.113.41")))).toBe("ok");
  // The creator joins its first room: the room is in use, and its seat too.
  const { player } = await Player.join(a.serverAddress, a.roomId, a.joinToken);
  await waitFor(async () => (await env.store.getRoom(a.roomId))?.playerCount === 1, "the creator counted in its room");
  expect(await codeOf(gw(1).createRoom({}, client))).toBe("ok");
  player.leave();
});

test("a JoinRoom holds its seat only for the first-use window (10 s by default), and a client holds at most 3 unused", async () => {
  const client = as("203.0.113.50");
  const room = await gw(0).createRoom({ maxPlayers: 6 }, client);
  // The creator plays, so the room stays; its seat is used.
  const creator = await Player.join(room.serverAddress, room.roomId, room.joinToken);
  await waitFor(async () => (await env.store.getRoom(room.roomId))?.playerCount === 1, "the creator counted");
  const joinedAt = Date.now();
  for (let i = 0; i < 3; i++) await gw(i % 2).joinRoom({ roomId: room.roomId }, client);
  const err = await failure(gw(1).joinRoom({ roomId: room.roomId }, client));
  expect(err.code).toBe(8);
  expect(err.rawMessage).toMatch(/^client cap: at most 3 seats not yet used \(join tokens\) per client/);
  const other = await gw(1).joinRoom({ roomId: room.roomId }, as("203.0.113.51"));
  expect((await env.store.getRoom(room.roomId))!.freeSeats).toBe(1);
  // Nobody connects: every held seat is free again once the window has passed, not 30 s later.
  await waitFor(async () => (await env.store.getRoom(room.roomId))?.freeSeats === 5, "the holds to lapse", 15_000);
  expect(Date.now() - joinedAt).toBeLessThan(12_000);
  // And a token first used after its window is refused before the upgrade.
  await expect(Player.connect(roomUrl(other.serverAddress, room.roomId, other.joinToken))).rejects.toMatchObject({
    status: 401,
  });
  creator.player.leave();
}, 30_000);

test("a rejoin in a full room takes no seat: a newcomer gets the seat a player left", async () => {
  const client = as("203.0.113.60");
  const room = await gw(0).createRoom({ maxPlayers: 2 }, client);
  const ann = await Player.join(room.serverAddress, room.roomId, room.joinToken);
  const bobTicket = await gw(1).joinRoom({ roomId: room.roomId }, as("203.0.113.61"));
  const bob = await Player.join(bobTicket.serverAddress, room.roomId, bobTicket.joinToken);
  await waitFor(async () => (await env.store.getRoom(room.roomId))?.playerCount === 2, "both players counted");
  // Ann's token, replayed as a rejoin token while the room is full.
  for (let i = 0; i < 3; i++)
    expect(await codeOf(gw(i % 2).joinRoom({ roomId: room.roomId, rejoinToken: room.joinToken }, client))).toBe("ok");
  bob.player.leave();
  await waitFor(async () => (await env.store.getRoom(room.roomId))?.playerCount === 1, "bob gone");
  expect(await codeOf(gw(0).joinRoom({ roomId: room.roomId }, as("203.0.113.62")))).toBe("ok");
  ann.player.leave();
});

describe("roomgate up", () => {
  let up: Started;
  beforeAll(async () => {
    up = await startUp({ GATEWAY_TRUST_PROXY: "true" });
  }, 30_000);
  afterAll(async () => {
    await up?.proc.kill();
  });

  test("8 CreateRoom of 250 seats from one client no longer reserve every seat", async () => {
    // Two game servers of 1000 seats: 8 rooms of 250 used to take them all.
    const client = gatewayClient(`http://127.0.0.1:${up.port}`);
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push(await codeOf(client.createRoom({ maxPlayers: 250 }, as("198.51.100.7"))));
    expect(codes).toEqual(["ok", "ok", "ok", "ok", ...Array(4).fill("ResourceExhausted")]);
    expect(await codeOf(client.createRoom({ maxPlayers: 250 }, as("198.51.100.8")))).toBe("ok");
  });
});

/** Polls a condition of the store or the cluster that no event announces (every 100 ms). */
async function waitFor(ok: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
