import { Code } from "@connectrpc/connect";
import { leaveAll, startCluster } from "../harness/cluster";
import { type Room, RoomgateClient } from "@roomgate/client";
import { Netns } from "../../testkit/netns";
import { type RedisProcess, startRedis } from "../../testkit/redis-server";

// Two regions, each with its Gateway and a game server, every process on a host of its own
// (testkit/netns.ts). The test process, its clients, Redis and the Manager sit in "near"; every
// packet between the regions is held DELAY_MS each way. ListRegions gives clients the Gateways'
// addresses, so the SDK's /ping measurement sees the difference a continent would make.

const DELAY_MS = 50;
const NEAR_ROOMS = 2; // the near server's capacity, to fill it up
/** Each Gateway's port on its host: REGION_GATEWAYS names them before they start. */
const GATEWAY_PORT = 8080;

let net: Netns;
let redis: RedisProcess;
let env: Awaited<ReturnType<typeof startCluster>>;
let nearUrl: string;
let farUrl: string;

beforeAll(async () => {
  net = await Netns.create({ regions: ["near", "far"], clientRegion: "near" });
  const where: Record<string, string> = {
    redis: "near",
    manager: "near",
    "gateway-0": "near",
    "near-1": "near",
    "gateway-1": "far",
    "far-1": "far",
  };
  await Promise.all(Object.entries(where).map(([name, region]) => net.addHost(name, region)));
  net.setDelay("near", "far", DELAY_MS);
  redis = await startRedis({ host: net.host("redis") });
  nearUrl = `http://${net.host("gateway-0").ip}:${GATEWAY_PORT}`;
  farUrl = `http://${net.host("gateway-1").ip}:${GATEWAY_PORT}`;
  env = await startCluster("sdk-regions", {
    redisUrl: redis.url,
    hostOf: (name) => net.hosts.get(name),
    gateways: 2,
    gameServers: 0,
    gatewayEnv: { REGION_GATEWAYS: `near=${nearUrl},far=${farUrl}`, GATEWAY_PORT: String(GATEWAY_PORT) },
    gatewayEnvs: [{ GATEWAY_REGION: "near" }, { GATEWAY_REGION: "far" }],
  });
  const { cluster } = env;
  await Promise.all([
    cluster.startGameServer("near-1", { GAMESERVER_REGION: "near", GAMESERVER_CAPACITY: String(NEAR_ROOMS) }),
    cluster.startGameServer("far-1", { GAMESERVER_REGION: "far" }),
  ]);
  await Promise.all(["near-1", "far-1"].map((id) => cluster.registered(id)));
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await redis?.stop();
  await net?.teardown();
}, 60_000);

test("GET /ping answers the Gateway's region, uncached, to any origin; ListRegions lists every region's Gateway", async () => {
  for (const [i, region] of [
    [0, "near"],
    [1, "far"],
  ] as const) {
    const res = await fetch(`${env.cluster.gatewayUrl(i)}/ping`, { headers: { origin: "https://game.example" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(region);
    expect(res.headers.get("roomgate-region")).toBe(region);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const head = await fetch(`${env.cluster.gatewayUrl(i)}/ping`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("roomgate-region")).toBe(region);
  }
  // Each Gateway at its own host's address.
  expect([env.cluster.gatewayUrl(0), env.cluster.gatewayUrl(1)]).toEqual([nearUrl, farUrl]);

  const configured = [
    { region: "near", url: nearUrl },
    { region: "far", url: farUrl },
  ];
  expect(await new RoomgateClient(env.cluster.gatewayUrl(0)).listRegions()).toEqual({
    region: "near",
    regions: configured,
  });
  expect(await new RoomgateClient(env.cluster.gatewayUrl(1), { protocol: "grpc-web" }).listRegions()).toEqual({
    region: "far",
    regions: configured,
  });
});

test("measureRegions: the delayed region comes second with the larger round trip; cached; a region that times out is left out", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(1));
  const t0 = performance.now();
  const measured = await client.measureRegions();
  const tookMs = performance.now() - t0;
  console.log(`measured ${JSON.stringify(measured)} in ${tookMs.toFixed(0)} ms`);
  expect(measured.map((m) => m.region)).toEqual(["near", "far"]);
  const [near, far] = measured as [(typeof measured)[0], (typeof measured)[0]];
  // The relay holds the request and the answer DELAY_MS each (a timer may fire a millisecond early).
  expect(far.rttMs).toBeGreaterThanOrEqual(2 * DELAY_MS - 2);
  expect(far.rttMs - near.rttMs).toBeGreaterThan(DELAY_MS);
  // A warm-up and 3 samples, one after another: at least four far round trips.
  expect(tookMs).toBeGreaterThanOrEqual(4 * (2 * DELAY_MS - 2));

  // Cached: the same figures, without asking anyone (the far region would now time out).
  net.setDelay("near", "far", 400);
  expect(await client.measureRegions()).toEqual(measured);
  // Measured anew with a 300 ms budget per request: far does not make it and is left out.
  const fresh = await client.measureRegions({ maxAgeMs: 0, timeoutMs: 300 });
  expect(fresh.map((m) => m.region)).toEqual(["near"]);
  // ...and that measurement is what the client keeps now.
  expect((await client.measureRegions()).map((m) => m.region)).toEqual(["near"]);

  net.setDelay("near", "far", DELAY_MS);
  const again = await client.measureRegions({ maxAgeMs: 0 });
  expect(again.map((m) => m.region)).toEqual(["near", "far"]);

  // One sample will do; nonsense is refused.
  expect(await client.measureRegions({ samples: 1, maxAgeMs: 0 })).toHaveLength(2);
  await expect(client.measureRegions({ samples: 0, maxAgeMs: 0 })).rejects.toThrow(RangeError);
  expect(() => new RoomgateClient(env.cluster.gatewayUrl(0), { regions: { timeoutMs: 0 } })).toThrow(RangeError);
});

test("createRoom: measured latencies put rooms in the nearest region, then the next one when it is full; explicit latencies and the Gateway's own region", async () => {
  // The far region's Gateway: without latencies a room stays in its region.
  const client = new RoomgateClient(env.cluster.gatewayUrl(1));
  const rooms: Room[] = [];
  const create = async (o: Parameters<RoomgateClient["createRoom"]>[0]) => {
    const r = await client.createRoom(o);
    rooms.push(r);
    return r;
  };

  expect((await create({ measureRegions: false, playerName: "plain" })).region).toBe("far");
  // By default the SDK measures (the Gateway lists regions) and sends what it found.
  const first = await create({ playerName: "measured-1" });
  expect(first).toMatchObject({ region: "near", serverId: "near-1", created: true, connection: "open" });
  // Latencies given are sent as they are: here far is "faster".
  expect(
    (
      await create({
        latencies: [
          { region: "far", rttMs: 3 },
          { region: "near", rttMs: 40 },
        ],
      })
    ).region,
  ).toBe("far");
  // A named region wins without measuring.
  expect((await create({ region: "far" })).region).toBe("far");
  // Fill the near server; the next room goes to the next fastest region.
  for (let i = rooms.filter((r) => r.region === "near").length; i < NEAR_ROOMS; i++)
    expect((await create({ playerName: `measured-${i + 1}` })).region).toBe("near");
  const overflow = await create({ playerName: "overflow", measureRegions: true });
  expect(overflow).toMatchObject({ region: "far", serverId: "far-1" });
  expect(await overflow.ping()).toBeGreaterThan(0);

  await leaveAll(env.cluster, rooms);
  // Capacity is back: near again.
  const back = await client.createRoom({ playerName: "back" });
  expect(back.region).toBe("near");
  await leaveAll(env.cluster, [back]);
});

test("joinOrCreate with measured latencies: fills rooms in the nearest region, and joins a far room only when asked for that region", async () => {
  const client = new RoomgateClient(env.cluster.gatewayUrl(0));
  const a = await client.joinOrCreate({ mode: "duel", maxPlayers: 2, playerName: "a", metadata: { name: "a's duel" } });
  expect(a).toMatchObject({ created: true, region: "near" });
  const b = await client.joinOrCreate({ mode: "duel", maxPlayers: 2, playerName: "b" });
  expect(b).toMatchObject({ created: false, region: "near", roomId: a.roomId });
  expect(b.players.map((p) => p.name).sort()).toEqual(["a", "b"]);

  // A public room in the far region, far beyond the Gateway's 30 ms quick-join slack.
  const farRoom = await client.createRoom({
    region: "far",
    visibility: "public",
    mode: "race",
    maxPlayers: 2,
    playerName: "f",
  });
  expect(farRoom.region).toBe("far");
  const near = await client.joinOrCreate({ mode: "race", maxPlayers: 2, playerName: "n" });
  expect(near).toMatchObject({ created: true, region: "near" });
  const there = await client.joinOrCreate({ mode: "race", maxPlayers: 2, playerName: "t", region: "far" });
  expect(there).toMatchObject({ created: false, roomId: farRoom.roomId });

  const listed = await client.listRooms({ mode: "duel", includeFull: true });
  expect(listed.rooms.map((r) => r.roomId)).toEqual([a.roomId]);
  expect(listed.rooms[0]).toMatchObject({
    region: "near",
    maxPlayers: 2,
    freeSeats: 0,
    metadata: { name: "a's duel" },
  });
  expect(
    (await client.listRooms({ mode: "race", region: "far", includeFull: true })).rooms.map((r) => r.roomId),
  ).toEqual([farRoom.roomId]);
  await leaveAll(env.cluster, [a, b, farRoom, near, there]);
  await expect(client.getRoom(a.roomId)).rejects.toMatchObject({ code: Code.NotFound });
});
