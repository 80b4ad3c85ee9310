import { runCli } from "../../testkit/cli";
import { startCluster } from "../harness/cluster";
import { Room, RoomgateClient } from "@roomgate/client";
import { createGateway } from "../../client/gateway";
import { resolveReconnect } from "../../client/options";
import { openSocket } from "../../client/platform-node.js";
import { nextEvent, record, text } from "../../testkit/sdk-events";

// A room that moves, from the SDK's side: its server drains (SIGTERM, then an operator's
// `roomgate drain`), the room is restored on another server from its snapshot, and both players
// are back in it on their own, as themselves, with the room's state and the keys they own.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("sdk-migration", { gateways: 1, gameServers: 3 });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

/** Resolves with the welcome that follows the next reconnect, once the room is open again. */
function nextMove(room: Room) {
  const reconnecting = nextEvent(room, "connection", (s) => s === "reconnecting", 20_000);
  const welcome = reconnecting.then(() => nextEvent(room, "welcome", () => true, 20_000));
  return { reconnecting, welcome };
}

async function drainWithCli(serverId: string) {
  expect(await runCli(["drain", serverId], { MANAGER_ADDRESS: env.cluster.managerAddress })).toEqual({
    code: 0,
    out: expect.stringContaining(`draining ${serverId}`),
  });
}

test("players follow their room through two drains: same ids, restored welcomes, state and owned keys kept", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), {
    reconnect: { maxAttempts: 12, initialDelayMs: 100, maxDelayMs: 1000 },
  });
  const ann = await c.createRoom({ playerName: "ann" });
  const bob = await c.joinRoom(ann.roomId, { playerName: "bob" });
  const [annLog, bobLog] = [record(ann), record(bob)];
  const ids = [ann.playerId, bob.playerId];
  const annKey = `pos/${ann.playerId}`;
  const bobKey = `pos/${bob.playerId}`;
  ann.setState(annKey, text("a1"), { owned: true });
  ann.setState("score", text("3"));
  bob.setState(bobKey, text("b1"), { owned: true });
  // Both round trips done: the server has every change before it drains.
  await Promise.all([ann.ping(), bob.ping()]);

  const expectBack = async (moves: ReturnType<typeof nextMove>[], from: string) => {
    const welcomes = await Promise.all(moves.map((m) => m.welcome));
    for (const [i, room] of [ann, bob].entries()) {
      expect(welcomes[i]).toMatchObject({ restored: true, playerId: ids[i] });
      expect(room.playerId).toBe(ids[i]);
      expect(room.roomId).toBe(ann.roomId);
      expect(room.serverId).not.toBe(from);
    }
    // Whoever came back second finds the first in its welcome; the first hears the join.
    if (!ann.players.some((p) => p.id === bob.playerId))
      await nextEvent(ann, "playerJoined", (p) => p.id === bob.playerId);
    if (!bob.players.some((p) => p.id === ann.playerId))
      await nextEvent(bob, "playerJoined", (p) => p.id === ann.playerId);
    for (const room of [ann, bob]) {
      expect(room.state.get("score")).toEqual({ value: text("3"), owner: "" });
      expect(room.state.get(annKey)?.owner).toBe(ann.playerId);
      expect(room.state.get(bobKey)?.owner).toBe(bob.playerId);
    }
    const got = nextEvent(bob, "message");
    ann.broadcast(text("still here"));
    expect((await got).fromPlayerId).toBe(ann.playerId);
  };

  // 1. SIGTERM.
  const first = ann.serverId;
  let moves = [nextMove(ann), nextMove(bob)];
  const exited = env.cluster.gameServer(first).proc.kill("SIGTERM");
  await expectBack(moves, first);
  expect(await exited).toEqual({ code: 0, signal: null });

  // A change on the new server, so the next move has to carry a snapshot taken there.
  ann.setState(annKey, text("a2"), { owned: true });
  await ann.ping();

  // 2. The Manager's drain command: the server drains as on SIGTERM and its process exits 0.
  const second = ann.serverId;
  moves = [nextMove(ann), nextMove(bob)];
  await drainWithCli(second);
  await expectBack(moves, second);
  expect(await env.cluster.gameServer(second).proc.exited).toEqual({ code: 0, signal: null });
  expect(ann.state.get(annKey)?.value).toEqual(text("a2"));
  expect(bob.state.get(annKey)?.value).toEqual(text("a2"));

  expect(annLog.states).toEqual(["reconnecting", "open", "reconnecting", "open"]);
  expect(bobLog.states).toEqual(["reconnecting", "open", "reconnecting", "open"]);
  await bob.leave();
  await ann.leave();
}, 90_000);

test("a ticket whose server drains before the player connects: the SDK follows the room there as that player", async () => {
  // Issue 11's rolling-restart error: the Gateway hands out a ticket, then the server is SIGTERMed
  // and hands the room over before the player's WebSocket arrives.
  await env.cluster.startGameServer("gs-follow");
  await env.cluster.registered("gs-follow");
  const gateway = createGateway(env.cluster.gatewayUrl(0), "connect");
  const ticket = await gateway.createRoom({ maxPlayers: 2, playerName: "late" });
  expect(await env.cluster.gameServer(ticket.serverId).proc.kill("SIGTERM")).toEqual({ code: 0, signal: null });

  // No reconnects allowed: following a room on its first connection is part of joining it.
  const room = new Room(ticket.roomId, {
    gateway,
    openSocket,
    playerName: "late",
    reconnect: resolveReconnect({ maxAttempts: 0 }),
  });
  await room.start(ticket);
  expect({ connection: room.connection, playerId: room.playerId }).toEqual({
    connection: "open",
    playerId: ticket.playerId,
  });
  expect(room.serverId).not.toBe(ticket.serverId);
  await room.leave();
}, 60_000);
