import { gatewayClient, Player } from "../testkit/client";
import { startCluster } from "./harness/cluster";
import { RoomState } from "../gen/roomgate/v1/common_pb";

// The Manager dies and comes back: game servers reconnect on their own and re-register the rooms
// they still run; games in progress never notice, rooms that emptied meanwhile are cleaned up, and
// a server that died while no Manager ran is declared dead by the new one, its rooms moved.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("restart", { gateways: 1, gameServers: 3, gameServerEnv: { REPORT_INTERVAL_MS: "300" } });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("rooms survive a Manager restart and stale ones are reconciled away", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const kept = await gw.createRoom({});
  const emptied = await gw.createRoom({});
  const a = await Player.join(kept.serverAddress, kept.roomId, kept.joinToken);
  const b = await Player.join(emptied.serverAddress, emptied.roomId, emptied.joinToken);
  // A third server, hosting neither, with a room of its own: it will die while no Manager runs.
  const victim = cluster.gameServers.find((g) => g.id !== kept.serverId && g.id !== emptied.serverId)!;
  let doomed = await gw.createRoom({});
  for (let i = 0; i < 30 && doomed.serverId !== victim.id; i++) doomed = await gw.createRoom({});
  expect(doomed.serverId).toBe(victim.id);
  const d = await Player.join(doomed.serverAddress, doomed.roomId, doomed.joinToken);

  await cluster.manager.proc.kill("SIGKILL");
  await victim.proc.kill("SIGKILL");
  await d.player.closed;
  // Without a Manager, the Gateway still places rooms on servers that open them on their first
  // token, for as long as the dead Manager's heartbeat lasts in the store (GATEWAY_PLACES_ROOMS;
  // one placed on the victim, dead unseen, moves with its rooms); joining works from the store.
  const meanwhile = await gw.createRoom({});
  expect(await store.getRoom(meanwhile.roomId)).toMatchObject({ state: RoomState.OPENING });
  expect((await gw.joinRoom({ roomId: kept.roomId })).serverId).toBe(kept.serverId);
  // A room empties while nobody is there to hear about it.
  await b.player.leave();

  const restarted = await cluster.restartManager();
  const survivors = cluster.gameServers.filter((g) => g !== victim);
  await Promise.all(
    survivors.map((g) =>
      restarted.proc.waitFor((l) => l.msg === "game server registered" && l.serverId === g.id, 15_000, `${g.id} back`),
    ),
  );
  await restarted.proc.waitFor(
    (l) => l.msg === "game server removed" && l.serverId === victim.id,
    5000,
    "victim removed",
  );
  const moved = await restarted.proc.waitFor(
    (l) => l.msg === "room moved" && l.roomId === doomed.roomId,
    5000,
    "doomed room moved",
  );
  expect(survivors.map((g) => g.id)).toContain(moved.serverId);
  expect(await store.getRoom(doomed.roomId)).toMatchObject({ serverId: moved.serverId, migrations: 1 });
  expect(await store.getServer(victim.id)).toBeUndefined();

  a.player.send({ case: "ping", value: { nonce: 11 } });
  expect((await a.player.next("pong")).frame.value.nonce).toBe(11);
  expect(await store.getRoom(kept.roomId)).toBeDefined();
  expect(await store.getRoom(emptied.roomId)).toBeUndefined();
  const emptiedServer = await store.getServer(emptied.serverId);
  expect(await store.listServerRooms(emptied.serverId)).not.toContain(emptied.roomId);
  // Its reservations are exactly the rooms it holds (the moved room may be one of them).
  expect(emptiedServer!.reservedRooms).toBe((await store.listServerRooms(emptied.serverId)).length);

  const fresh = await gw.createRoom({});
  expect(fresh.serverId).not.toBe(victim.id);
  const c = await Player.join(fresh.serverAddress, fresh.roomId, fresh.joinToken);
  expect(c.welcome.roomId).toBe(fresh.roomId);
  await c.player.leave();
  await a.player.leave();
});
