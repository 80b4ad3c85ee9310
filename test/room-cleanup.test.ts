import { gatewayClient, Player } from "../testkit/client";
import { nextEvent } from "../testkit/next-event";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb";
import { RoomState } from "../gen/roomgate/v1/common_pb";
import { roomClosedLine, startCluster, startRegisteredGameServer } from "./harness/cluster";

// A room that ends is removed from the store, and announced, by its own game server
// (REMOVE_ENDED_ROOMS), with no word to the Manager: with the Manager frozen (SIGSTOP: its stream
// stays open, nothing on it is read), the last leave still frees the mapping and the capacity.
// A room handed over by a drain is not removed: it goes on elsewhere. Likewise a room opened on its
// first join token is recorded OPEN, and its seats counted, by its server (WRITE_ROOM_RECORDS).

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("cleanup", { gameServers: 1, gameServerEnv: { LOG_LEVEL: "debug" } });
}, 60_000);

afterAll(async () => {
  // A test that failed with the Manager frozen must not leave it so for the teardown.
  if (env) process.kill(env.cluster.manager.proc.pid, "SIGCONT");
  await env?.stop();
}, 60_000);

function freezeManager() {
  process.kill(env.cluster.manager.proc.pid, "SIGSTOP");
  return () => process.kill(env.cluster.manager.proc.pid, "SIGCONT");
}

test("the last leave removes the room from the store and announces it while the Manager reads nothing; the Manager never hears of it", async () => {
  const { cluster, store } = env;
  const gs = cluster.gameServer("gs-0");
  const gateway = gatewayClient(cluster.gatewayUrl(0), "connect");
  const created = await gateway.createRoom({ playerName: "ann" });
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  expect(await store.getServer(created.serverId)).toMatchObject({ reservedRooms: 1 });
  const removedEvent = await nextEvent(
    env.store,
    (e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === created.roomId,
  );

  const thaw = freezeManager();
  try {
    await ann.player.leave();
    await gs.proc.waitFor(
      (l) => l.msg === "removed an ended room from the store" && l.roomId === created.roomId,
      10_000,
      "the game server's removal",
    );
    expect(await store.getRoom(created.roomId)).toBeUndefined();
    expect(await store.getServer(created.serverId)).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
    // Before: the Manager announced it, once it had read the server's `closed`.
    expect(await removedEvent.event).toMatchObject({ serverId: created.serverId, detail: "empty" });
  } finally {
    thaw();
  }

  // A second room through the same server and Manager, after the thaw: by its removal the Manager
  // has read what the server sent before it. Each room was announced once, by the server alone.
  const next = await gateway.createRoom({ playerName: "bob" });
  const nextRemoved = await nextEvent(
    env.store,
    (e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === next.roomId,
  );
  const bob = await Player.join(next.serverAddress, next.roomId, next.joinToken);
  await bob.player.leave();
  await nextRemoved.event;
  const removals = (await store.recentEvents()).filter(
    (e) => e.kind === ClusterEventKind.ROOM_REMOVED && (e.roomId === created.roomId || e.roomId === next.roomId),
  );
  expect(removals.map((e) => e.roomId).sort()).toEqual([created.roomId, next.roomId].sort());
  expect(cluster.manager.proc.lines.some(roomClosedLine(created.roomId))).toBe(false);
}, 60_000);

test("a room opened on its token is OPEN in the store with its seats while the Manager reads nothing; a second player joins it through the Gateway", async () => {
  const { cluster, store } = env;
  const gs = cluster.gameServer("gs-0");
  const gateway = gatewayClient(cluster.gatewayUrl(0), "connect");
  const created = await gateway.createRoom({ playerName: "cy" });
  expect(created.serverId).toBe("gs-0");
  const removedEvent = await nextEvent(
    env.store,
    (e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === created.roomId,
  );
  expect(await store.getRoom(created.roomId)).toMatchObject({ state: RoomState.OPENING });

  const thaw = freezeManager();
  const players: Player[] = [];
  try {
    const cy = await Player.join(created.serverAddress, created.roomId, created.joinToken);
    players.push(cy.player);
    expect(await store.getRoom(created.roomId)).toMatchObject({ state: RoomState.OPEN, playerCount: 1 });
    // JoinRoom holds a seat in the store's OPEN room: no Manager in the way.
    const joined = await gateway.joinRoom({ roomId: created.roomId, playerName: "dee" });
    expect(joined.serverId).toBe("gs-0");
    const dee = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
    players.push(dee.player);
    expect(dee.welcome.players.map((p) => p.name).sort()).toEqual(["cy", "dee"]);
    await gs.proc.waitFor(
      (l) => l.msg === "recorded a room's seat count" && l.roomId === created.roomId && l.count === 2,
      10_000,
      "the game server's seat count",
    );
    expect(await store.getRoom(created.roomId)).toMatchObject({ state: RoomState.OPEN, playerCount: 2 });
  } finally {
    thaw();
    for (const p of players) await p.leave();
  }
  await gs.proc.waitFor(
    (l) => l.msg === "removed an ended room from the store" && l.roomId === created.roomId,
    10_000,
    "the game server's removal",
  );
  // Nothing of it reached the Manager, its end included (the server announced that).
  await removedEvent.event;
  const announced = (await store.recentEvents()).filter(
    (e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === created.roomId,
  );
  expect(announced).toHaveLength(1);
  expect(
    cluster.manager.proc.lines.some(
      (l) =>
        (l.msg === "room opened on its first token" || roomClosedLine(created.roomId)(l)) &&
        l.roomId === created.roomId,
    ),
  ).toBe(false);
}, 60_000);

test("a drain's hand-over (MIGRATING) removes nothing: the room stays mapped until the Manager moves it", async () => {
  const { cluster, store } = env;
  // Its own server, so its drain leaves gs-0 to take the room; a short shutdown, as its Manager is frozen.
  const draining = await startRegisteredGameServer(cluster, "gs-drain", {
    GAMESERVER_LABELS: "lane=drain",
    DRAIN_MODE: "migrate",
    SHUTDOWN_TIMEOUT_MS: "1000",
  });
  const created = await gatewayClient(cluster.gatewayUrl(0), "connect").createRoom({
    playerName: "bob",
    labels: { lane: "drain" },
  });
  expect(created.serverId).toBe("gs-drain");
  await Player.join(created.serverAddress, created.roomId, created.joinToken);
  // The join token opened the room, and its server recorded it OPEN before the welcome.
  expect(await store.getRoom(created.roomId)).toMatchObject({ state: RoomState.OPEN, playerCount: 1 });

  const thaw = freezeManager();
  try {
    await draining.proc.kill("SIGTERM");
    expect(draining.proc.lines.find((l) => l.msg === "room closed" && l.roomId === created.roomId)).toMatchObject({
      reason: "MIGRATING",
    });
    expect(draining.proc.lines.some((l) => l.msg === "removed an ended room from the store")).toBe(false);
    // The server is gone and nothing of it removed the room: it is still mapped there, as the store left it.
    expect(await store.getRoom(created.roomId)).toMatchObject({ serverId: "gs-drain", state: RoomState.OPEN });
  } finally {
    thaw();
  }
}, 60_000);
