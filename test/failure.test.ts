import { gatewayClient, Player } from "../testkit/client";
import { roomClosedLine, startCluster } from "./harness/cluster";
import { codeOf } from "./harness/codes";

// Rooms and servers going away: a room nobody joins, a game server killed outright, and one
// shut down cleanly. Short intervals come from configuration, never from sleeping.

const REPORT_MS = 200;
let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("failure", {
    gateways: 1,
    gameServers: 3,
    gatewayEnv: { JOIN_TOKEN_TTL_MS: "1500" },
    gameServerEnv: { REPORT_INTERVAL_MS: String(REPORT_MS) },
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("a room nobody joins is removed when its first token expires", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({});
  expect(await env.store.getRoom(r.roomId)).toBeDefined();
  // No token ever reached its server, so the Manager reclaims it: a token's life (1.5 s), then
  // what the server's word may take to arrive (OPEN_ROOM_TIMEOUT_MS, 2 s, + 1 s) and a sweep.
  const closed = await env.cluster.manager.proc.waitFor(roomClosedLine(r.roomId), 8000, "room closed");
  expect(closed.reason).toBe(2 /* NEVER_JOINED */);
  expect(await codeOf(gw.joinRoom({ roomId: r.roomId }))).toBe("NotFound");
});

test("a game server killed with SIGKILL: its rooms move to the others under the same id, and new rooms go elsewhere", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const rooms = await Promise.all(Array.from({ length: 6 }, () => gw.createRoom({})));
  const victim = env.cluster.gameServer(rooms[0]!.serverId);
  const victimRooms = rooms.filter((r) => r.serverId === victim.id);
  const survivors = rooms.filter((r) => r.serverId !== victim.id);
  const inVictim = await Player.join(victimRooms[0]!.serverAddress, victimRooms[0]!.roomId, victimRooms[0]!.joinToken);
  const inSurvivor = await Player.join(survivors[0]!.serverAddress, survivors[0]!.roomId, survivors[0]!.joinToken);

  const killedAt = Date.now();
  await victim.proc.kill("SIGKILL");
  expect((await inVictim.player.closed).code).toBe(1006);
  const removed = await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "game server removed" && l.serverId === victim.id,
    5000,
    "removal",
  );
  // Suspect at once, dead after three missed reports (plus scheduling slack).
  expect(Date.now() - killedAt).toBeLessThan(REPORT_MS * 3 + 1500);
  expect(removed.moving).toBe(victimRooms.length);
  for (const r of victimRooms) {
    const moved = await env.cluster.manager.proc.waitFor(
      (l) => l.msg === "room moved" && l.roomId === r.roomId,
      5000,
      "room moved",
    );
    expect(moved.serverId).not.toBe(victim.id);
    expect(await env.store.getRoom(r.roomId)).toMatchObject({ serverId: moved.serverId, migrations: 1 });
    expect((await gw.joinRoom({ roomId: r.roomId })).serverId).toBe(moved.serverId);
  }
  expect(await env.store.getServer(victim.id)).toBeUndefined();
  // The player of the dead server's room plays on in the same room, now elsewhere.
  const again = await gw.joinRoom({ roomId: victimRooms[0]!.roomId });
  const back = await Player.join(again.serverAddress, again.roomId, again.joinToken);
  expect(back.welcome).toMatchObject({ roomId: victimRooms[0]!.roomId, restored: true });
  await back.player.leave();

  const fresh = await Promise.all(Array.from({ length: 8 }, () => gw.createRoom({})));
  for (const r of fresh) expect(r.serverId).not.toBe(victim.id);
  // The other servers' rooms never noticed.
  inSurvivor.player.send({ case: "ping", value: { nonce: 5 } });
  expect((await inSurvivor.player.next("pong")).frame.value.nonce).toBe(5);
  await inSurvivor.player.leave();
});

test("SIGTERM: the server takes no rooms, hands its rooms over (sockets closed with 4002), and the Manager forgets it", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const live = env.cluster.gameServers.filter((g) => g.proc.running);
  const target = live[0]!;
  let r = await gw.createRoom({});
  for (let i = 0; i < 30 && r.serverId !== target.id; i++) r = await gw.createRoom({});
  expect(r.serverId).toBe(target.id);
  const p = await Player.join(r.serverAddress, r.roomId, r.joinToken);

  const exit = target.proc.kill("SIGTERM");
  const closed = await p.player.closed;
  // DRAIN_MODE migrate (the default): the room goes to the Manager with its snapshot, and its
  // players are told to rejoin through the Gateway; nothing went wrong, so no error frame.
  expect(closed).toEqual({ code: 4002, reason: "room is moving to another server; rejoin through the Gateway" });
  expect(p.player.frames.filter((f) => f.frame.case === "error")).toEqual([]);
  expect(await exit).toEqual({ code: 0, signal: null });
  await env.cluster.manager.proc.waitFor(
    (l) => l.msg === "game server removed" && l.serverId === target.id && l.why === "drained",
    5000,
    "drained",
  );
  const after = await Promise.all(Array.from({ length: 4 }, () => gw.createRoom({})));
  for (const a of after) expect(a.serverId).not.toBe(target.id);
});
