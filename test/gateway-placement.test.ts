import { gatewayClient, Player } from "../testkit/client";
import { nextEvent } from "../testkit/next-event";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb";
import { RoomState } from "../gen/roomgate/v1/common_pb";
import { startCluster, startRegisteredGameServer } from "./harness/cluster";

// The Gateway places a room in the store itself when its server opens rooms on their first join
// token (GATEWAY_PLACES_ROOMS, on by default): with the Manager frozen (SIGSTOP: its sockets stay
// open, it reads nothing), CreateRoom still answers, the Gateway announces the room, and the
// player's token opens it on the game server, which records it OPEN. A server started with OPEN_ON_TOKEN=false must be
// asked to open the room, which only a Manager does: those rooms still go through it.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("gwplace", {
    gameServers: 1,
    // A frozen Manager's servers are used only while its heartbeat (4 sweeps) lasts: after that
    // they are unreached, and their rooms go to a Manager. Slow sweeps give the test its window on
    // a busy host, and without fencing the frozen Manager's server keeps its rooms meanwhile.
    managerEnv: { SWEEP_INTERVAL_MS: "5000", FENCING: "false" },
  });
  // The test's own store connections (commands, events) are up before anything is timed by them:
  // a first command waits for its connection, within ioredis's command timeout.
  expect(await env.store.getServer("gs-0")).toMatchObject({ id: "gs-0" });
  (await env.store.subscribeEvents(() => {}))();
}, 60_000);

afterAll(async () => {
  // A test that failed with the Manager frozen must not leave it so for the teardown.
  if (env) process.kill(env.cluster.manager.proc.pid, "SIGCONT");
  await env?.stop();
}, 60_000);

test("with the Manager frozen, CreateRoom answers, the room is announced, and the player's WebSocket is welcomed", async () => {
  const { cluster, store } = env;
  const allocated = await nextEvent(env.store, (e) => e.kind === ClusterEventKind.ROOM_ALLOCATED);
  process.kill(cluster.manager.proc.pid, "SIGSTOP");
  let roomId = "";
  let ann: Awaited<ReturnType<typeof Player.join>> | undefined;
  try {
    const created = await gatewayClient(cluster.gatewayUrl(0), "connect").createRoom({ playerName: "ann" });
    expect(created.serverId).toBe("gs-0");
    roomId = created.roomId;
    expect(await store.getRoom(created.roomId)).toMatchObject({ serverId: "gs-0", state: RoomState.OPENING });
    expect(await allocated.event).toMatchObject({ roomId: created.roomId, serverId: "gs-0" });
    ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
    expect(ann.welcome.roomId).toBe(created.roomId);
    // Its server recorded it OPEN, with its player, before the welcome (WRITE_ROOM_RECORDS).
    expect(await store.getRoom(roomId)).toMatchObject({ state: RoomState.OPEN, playerCount: 1 });
  } finally {
    process.kill(cluster.manager.proc.pid, "SIGCONT");
  }
  // Thawed, the Manager has nothing to do for the room: it never placed it.
  expect(cluster.manager.proc.lines.some((l) => l.msg === "room allocated" && l.roomId === roomId)).toBe(false);
  await ann.player.leave();
}, 60_000);

test("a room on a server that does not open on its token goes through the Manager, which has it opened first", async () => {
  const { cluster, store } = env;
  await startRegisteredGameServer(cluster, "gs-ask", { GAMESERVER_LABELS: "lane=ask", OPEN_ON_TOKEN: "false" });
  const created = await gatewayClient(cluster.gatewayUrl(0), "connect").createRoom({
    playerName: "bob",
    labels: { lane: "ask" },
  });
  expect(created.serverId).toBe("gs-ask");
  // The Manager placed it, and its server confirmed open_room before CreateRoom answered.
  const placed = await cluster.manager.proc.waitFor(
    (l) => l.msg === "room allocated" && l.roomId === created.roomId,
    10_000,
    "the Manager's placement",
  );
  expect(placed).toMatchObject({ serverId: "gs-ask", state: RoomState.OPEN });
  expect(await store.getRoom(created.roomId)).toMatchObject({ serverId: "gs-ask", state: RoomState.OPEN });
  const bob = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  expect(bob.welcome.roomId).toBe(created.roomId);
  await bob.player.leave();
}, 60_000);
