import { RoomState } from "../gen/roomgate/v1/common_pb";
import { slotOf } from "../common/store/cells/slot";
import { gatewayClient, Player } from "../testkit/client";
import { redisClusterUrl } from "../testkit/test-redis";
import { cellOfRoom } from "../common/store/cells/cell-code";
import type { CellStore } from "../common/store/cells/cell-store";
import { leaveAll, startCluster } from "./harness/cluster";

// The whole mesh on a real Redis Cluster (3 masters, 3 replicas): servers grouped in cells, rooms
// named for their cell, every cell's keys on one node and the cells spread over the masters.

let env: Awaited<ReturnType<typeof startCluster>>;
const SERVERS = [
  ["eu-0", "eu"],
  ["eu-1", "eu"],
  ["us-0", "us"],
  ["us-1", "us"],
] as const;

beforeAll(async () => {
  env = await startCluster("cells", {
    redisUrl: redisClusterUrl(),
    gateways: 2,
    gameServers: 0,
    managers: 2,
    // One server per cell, so four servers make four cells.
    managerEnv: { CELL_MAX_SERVERS: "1" },
  });
  await Promise.all(SERVERS.map(([id, region]) => env.cluster.startGameServer(id, { GAMESERVER_REGION: region })));
  await Promise.all(SERVERS.map(([id]) => env.cluster.registered(id)));
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const cells = () => env.store as CellStore;

test("each server its own cell; rooms land in their region's cells, are found by id alone on any Gateway, and go when left", async () => {
  const cellOf = new Map<string, number>();
  for (const [id] of SERVERS) cellOf.set(id, (await cells().map.serverCell(id))!);
  expect(new Set(cellOf.values()).size).toBe(SERVERS.length);

  const gw0 = gatewayClient(env.cluster.gatewayUrl(0), "connect");
  const gw1 = gatewayClient(env.cluster.gatewayUrl(1), "grpc");
  const players: { roomId: string; leave(): Promise<unknown> }[] = [];
  for (const region of ["eu", "us", "eu", "us"]) {
    const created = await gw0.createRoom({ playerName: "ann", maxPlayers: 2, region });
    const room = await env.store.getRoom(created.roomId);
    expect(room?.region).toBe(region);
    // The id names the cell of the server it went to.
    expect(cellOfRoom(created.roomId)).toBe(cellOf.get(created.serverId));
    const joined = await gw1.joinRoom({ roomId: created.roomId, playerName: "bob" });
    expect(joined.serverId).toBe(created.serverId);
    const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
    const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
    expect(bob.welcome.players.map((p) => p.name).sort()).toEqual(["ann", "bob"]);
    players.push({ roomId: created.roomId, leave: () => ann.player.leave() });
    players.push({ roomId: created.roomId, leave: () => bob.player.leave() });
  }
  await leaveAll(env.cluster, players);
  for (const p of players) expect(await env.store.getRoom(p.roomId)).toBeUndefined();
  for (const [id] of SERVERS)
    expect(await env.store.getServer(id)).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
});

test("a cell's keys share one slot, and the cells' slots spread over more than one master", async () => {
  const keys: string[] = [];
  const prefix = env.cluster.o.keyPrefix;
  const slotsByCell = new Map<number, Set<number>>();
  for (const node of cells().redis.nodes("master")) {
    for (const key of await node.keys(`${prefix}{c*`)) {
      const m = /\{c(\d+)\}/.exec(key);
      if (!m) continue; // the map of cells, {cells}
      keys.push(key);
      const cell = Number(m[1]);
      let s = slotsByCell.get(cell);
      if (!s) slotsByCell.set(cell, (s = new Set()));
      s.add(slotOf(key));
    }
  }
  expect(keys.length).toBeGreaterThan(0);
  for (const s of slotsByCell.values()) expect(s.size).toBe(1);
  const masters = new Set<string>();
  const ownerOf = cells().redis.slots;
  for (const s of slotsByCell.values()) masters.add(ownerOf[[...s][0]!]![0]!);
  expect(masters.size).toBeGreaterThan(1);
});

test("a SIGKILLed server's rooms move to another server of its cell under the same id, and play on there", async () => {
  const { cluster } = env;
  // Two servers an operator put in cell 7 (the label overrides the one-server cap).
  for (const id of ["c7-a", "c7-b"]) await cluster.startGameServer(id, { GAMESERVER_LABELS: "cell=7" });
  await Promise.all(["c7-a", "c7-b"].map((id) => cluster.registered(id)));
  expect(await cells().map.serverCell("c7-a")).toBe(7);
  expect(await cells().map.serverCell("c7-b")).toBe(7);

  const gw = gatewayClient(cluster.gatewayUrl(0));
  const rooms = await Promise.all(Array.from({ length: 4 }, () => gw.createRoom({ labels: { cell: "7" } })));
  for (const r of rooms) expect(cellOfRoom(r.roomId)).toBe(7);
  const victim = cluster.gameServer(rooms[0]!.serverId);
  const victimRooms = rooms.filter((r) => r.serverId === victim.id);
  const survivor = victim.id === "c7-a" ? "c7-b" : "c7-a";
  const player = await Player.join(victimRooms[0]!.serverAddress, victimRooms[0]!.roomId, victimRooms[0]!.joinToken);

  await victim.proc.kill("SIGKILL");
  expect((await player.player.closed).code).toBe(1006);
  for (const r of victimRooms) {
    const moved = await cluster.waitForAnyManager(
      (l) => l.msg === "room moved" && l.roomId === r.roomId,
      10_000,
      "room moved",
    );
    expect(moved.serverId).toBe(survivor);
    expect(await env.store.getRoom(r.roomId)).toMatchObject({ serverId: survivor, migrations: 1 });
  }
  const again = await gw.joinRoom({ roomId: victimRooms[0]!.roomId });
  expect(again.serverId).toBe(survivor);
  const back = await Player.join(again.serverAddress, again.roomId, again.joinToken);
  expect(back.welcome).toMatchObject({ roomId: victimRooms[0]!.roomId, restored: true });
  await back.player.leave();
});

test("a cell whose only server dies keeps its rooms until the region's next server joins that cell, then they play on there", async () => {
  const { cluster } = env;
  // A region of its own, one server per cell (CELL_MAX_SERVERS=1): nothing else can take its rooms.
  await cluster.startGameServer("ap-0", { GAMESERVER_REGION: "ap" });
  await cluster.registered("ap-0");
  const cell = (await cells().map.serverCell("ap-0"))!;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const created = await gw.createRoom({ playerName: "ann", maxPlayers: 2, region: "ap" });
  expect(cellOfRoom(created.roomId)).toBe(cell);
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);

  await cluster.gameServer("ap-0").proc.kill("SIGKILL");
  expect((await ann.player.closed).code).toBe(1006);
  // Dead at once (its port refuses), and no server of the cell is left: the room waits, MOVING.
  await cluster.waitForAnyManager(
    (l) => l.msg === "game server removed" && l.serverId === "ap-0",
    10_000,
    "ap-0 removed",
  );
  expect(await env.store.getRoom(created.roomId)).toMatchObject({ state: RoomState.MOVING });

  // The region's next server goes to the cell that has none, and the room moves there.
  await cluster.startGameServer("ap-1", { GAMESERVER_REGION: "ap" });
  await cluster.registered("ap-1");
  expect(await cells().map.serverCell("ap-1")).toBe(cell);
  await cluster.waitForAnyManager((l) => l.msg === "room moved" && l.roomId === created.roomId, 15_000, "room moved");
  const again = await gw.joinRoom({ roomId: created.roomId, playerName: "ann" });
  expect(again.serverId).toBe("ap-1");
  const back = await Player.join(again.serverAddress, again.roomId, again.joinToken);
  expect(back.welcome).toMatchObject({ roomId: created.roomId, restored: true });
  await back.player.leave();
});
