import { RoomVisibility } from "../gen/roomgate/v1/common_pb";
import { gatewayClient, Player } from "../testkit/client";
import { startCluster } from "./harness/cluster";
import { codeOf } from "./harness/codes";

// Regions, labels, quick-join and listings through a real Gateway and Manager on Redis, with game
// servers in three regions.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("placement", {
    gateways: 1,
    gameServers: 0,
    gatewayEnv: { GATEWAY_REGION: "eu", REGION_GATEWAYS: "eu=http://127.0.0.1:1,us=http://127.0.0.1:2/" },
  });
  const { cluster } = env;
  await Promise.all([
    cluster.startGameServer("eu-a", { GAMESERVER_REGION: "eu", GAMESERVER_ZONE: "eu-1a", GAMESERVER_CAPACITY: "20" }),
    cluster.startGameServer("us-a", {
      GAMESERVER_REGION: "us",
      GAMESERVER_CAPACITY: "20",
      GAMESERVER_LABELS: "mode=ctf,version=1.4",
    }),
    cluster.startGameServer("ap-a", { GAMESERVER_REGION: "ap", GAMESERVER_CAPACITY: "1" }),
  ]);
  await Promise.all(["eu-a", "us-a", "ap-a"].map((id) => cluster.registered(id)));
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("a room goes to the fastest region with room, then the next fastest, and the answer says where", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const latencies = [
    { region: "us", rttMs: 90 },
    { region: "ap", rttMs: 20 },
    { region: "eu", rttMs: 45 },
  ];
  const first = await gw.createRoom({ latencies });
  expect(first).toMatchObject({ region: "ap", serverId: "ap-a" });
  const second = await gw.createRoom({ latencies }); // ap's one server holds one room
  expect(second).toMatchObject({ region: "eu", serverId: "eu-a" });
  expect(await gw.createRoom({ region: "us", latencies })).toMatchObject({ region: "us" });
  // Nothing asked, nothing measured: this Gateway's own region.
  expect(await gw.createRoom({})).toMatchObject({ region: "eu" });
  expect(await codeOf(gw.createRoom({ latencies: [{ region: "bad region", rttMs: 1 }] }))).toBe("InvalidArgument");
});

test("labels pick the server that has them; labels nobody has are refused clearly", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const ctf = await gw.createRoom({ region: "eu", labels: { mode: "ctf" } });
  expect(ctf.serverId).toBe("us-a");
  expect((await gw.createRoom({ labels: { zone: "eu-1a" } })).serverId).toBe("eu-a");
  const err = await gw.createRoom({ labels: { version: "2.0" } }).catch((e: Error) => e);
  expect(String(err)).toMatch(/unavailable.*no live game server has the labels version=2\.0/);
  expect(await codeOf(gw.createRoom({ labels: { "bad key!": "x" } }))).toBe("InvalidArgument");
});

test("quick-join fills a public room to max_players and never past it, even when players race", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const tickets = await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      gw.joinOrCreate({ mode: "duel", maxPlayers: 3, region: "eu", playerName: `p${i}` }),
    ),
  );
  const perRoom = new Map<string, number>();
  for (const t of tickets) perRoom.set(t.roomId, (perRoom.get(t.roomId) ?? 0) + 1);
  for (const n of perRoom.values()) expect(n).toBeLessThanOrEqual(3);
  expect(tickets.filter((t) => t.created).length).toBe(perRoom.size);
  // Players who find no seat take turns creating, so the burst fills rooms rather than each
  // player opening one.
  expect([...perRoom.values()].sort()).toEqual([1, 3, 3]);
  // Every ticket gets its player in: the game server never has to refuse one as over-full.
  const players = await Promise.all(tickets.map((t) => Player.join(t.serverAddress, t.roomId, t.joinToken)));
  for (const p of players) expect(p.welcome.roomId).toBeTruthy();
  // Seats that players took are taken for good: the rooms with 3 are not offered again.
  const later = await gw.joinOrCreate({ mode: "duel", maxPlayers: 3, region: "eu" });
  expect((perRoom.get(later.roomId) ?? 0) + 1).toBeLessThanOrEqual(3);
  await Promise.all(players.map((p) => p.player.leave()));
});

test("JoinRoom refuses a full room with resource_exhausted", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const room = await gw.createRoom({ maxPlayers: 2, region: "eu" });
  await gw.joinRoom({ roomId: room.roomId });
  expect(await codeOf(gw.joinRoom({ roomId: room.roomId }))).toBe("ResourceExhausted");
});

test("ListRooms pages through public rooms with filters and never shows private ones", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const made = [];
  for (let i = 0; i < 5; i++) {
    made.push(
      await gw.createRoom({
        visibility: RoomVisibility.PUBLIC,
        mode: "lobby",
        region: "eu",
        metadata: { name: `table ${i}` },
      }),
    );
  }
  const hidden = await gw.createRoom({ mode: "lobby", region: "eu" });
  const seen: string[] = [];
  let pageToken = "";
  for (let page = 0; page < 10; page++) {
    const res = await gw.listRooms({ mode: "lobby", pageSize: 2, pageToken });
    expect(res.rooms.length).toBeLessThanOrEqual(2);
    for (const r of res.rooms)
      expect(r).toMatchObject({ mode: "lobby", visibility: RoomVisibility.PUBLIC, region: "eu" });
    seen.push(...res.rooms.map((r) => r.roomId));
    pageToken = res.nextPageToken;
    if (!pageToken) break;
  }
  expect(seen).toEqual(made.map((m) => m.roomId).reverse());
  expect(seen).not.toContain(hidden.roomId);
  const first = (await gw.listRooms({ mode: "lobby", pageSize: 1 })).rooms[0]!;
  expect(first.metadata).toEqual({ name: "table 4" });
  expect(first.freeSeats).toBe(first.maxPlayers - 1); // the creator's seat is held
  expect((await gw.listRooms({ mode: "lobby", region: "us" })).rooms).toEqual([]);
  expect(await codeOf(gw.listRooms({ pageToken: "forged" }))).toBe("InvalidArgument");
  expect(await codeOf(gw.listRooms({ pageSize: 1000 }))).toBe("InvalidArgument");
});

test("every region's Gateway is listed, and /ping answers its region", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl());
  const regions = await gw.listRegions({});
  expect(regions.region).toBe("eu");
  expect(regions.regions.map((r) => [r.region, r.url])).toEqual([
    ["eu", "http://127.0.0.1:1"],
    ["us", "http://127.0.0.1:2"],
  ]);
  const ping = await fetch(`${env.cluster.gatewayUrl()}/ping`);
  expect(ping.status).toBe(200);
  expect(ping.headers.get("cache-control")).toBe("no-store");
  expect(await ping.text()).toBe("eu");
});
