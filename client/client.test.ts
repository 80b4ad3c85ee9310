import { Code, ConnectError } from "@connectrpc/connect";
import { roomClosedLine, startCluster } from "../test/harness/cluster";
import { ErrorCode, RoomgateClient, RoomServerError } from "./index";
import { nextEvent, record, text, untext } from "./test-events";

// The SDK against a real mesh of separate processes: one Manager, two Gateways, two game servers.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("sdk-flow", { gateways: 2, gameServers: 2 });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("two clients (connect and grpc-web) share a room: joined/left, broadcast, send, ping, leave", async () => {
  const { cluster } = env;
  const annClient = new RoomgateClient(cluster.gatewayUrl(0), { protocol: "connect" });
  const bobClient = new RoomgateClient(cluster.gatewayUrl(1), { protocol: "grpc-web" });

  const ann = await annClient.createRoom({ playerName: "ann", maxPlayers: 4 });
  expect(ann.state).toBe("open");
  expect(ann.roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(ann.playerId).toMatch(/\S/);
  expect(ann.serverAddress).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  expect(ann.players).toEqual([expect.objectContaining({ id: ann.playerId, name: "ann" })]);
  const annLog = record(ann);

  const bobJoined = nextEvent(ann, "playerJoined");
  const bob = await bobClient.joinRoom(ann.roomId, { playerName: "bob" });
  const bobLog = record(bob);
  expect(bob).toMatchObject({ roomId: ann.roomId, serverId: ann.serverId, serverAddress: ann.serverAddress, region: ann.region, state: "open" });
  expect(bob.playerId).not.toBe(ann.playerId);
  expect(bob.players.map((p) => p.name).sort()).toEqual(["ann", "bob"]);
  expect(await bobJoined).toMatchObject({ id: bob.playerId, name: "bob" });
  expect(ann.players.map((p) => p.id).sort()).toEqual([ann.playerId, bob.playerId].sort());

  const atBob = nextEvent(bob, "message");
  ann.broadcast(text("hello bob"));
  const m1 = await atBob;
  expect(m1.fromPlayerId).toBe(ann.playerId);
  expect(untext(m1.payload)).toBe("hello bob");

  const atAnn = nextEvent(ann, "message");
  bob.send(ann.playerId, new Uint8Array([9, 8, 7]));
  expect(await atAnn).toEqual({ fromPlayerId: bob.playerId, payload: new Uint8Array([9, 8, 7]) });

  const rtt = await ann.ping();
  expect(rtt).toBeGreaterThan(0);
  expect(rtt).toBeLessThan(5000);
  expect(await bob.ping()).toBeGreaterThan(0);

  // A send to nobody comes back as a typed error event; the connection stays.
  const err = nextEvent(ann, "error");
  ann.send("p_nobody", text("?"));
  expect(await err).toBeInstanceOf(RoomServerError);
  expect(((await err) as RoomServerError).code).toBe(ErrorCode.UNKNOWN_PLAYER);
  expect(ann.state).toBe("open");

  const info = await bobClient.getRoom(ann.roomId);
  expect(info).toMatchObject({ roomId: ann.roomId, serverId: ann.serverId, maxPlayers: 4, playerCount: 2 });

  const bobLeft = nextEvent(ann, "playerLeft");
  const bobClosed = nextEvent(bob, "closed");
  await bob.leave();
  expect(bob.state).toBe("closed");
  expect(await bobClosed).toEqual({ code: 1000, reason: expect.any(String) });
  expect(await bobLeft).toBe(bob.playerId);
  expect(ann.players.map((p) => p.id)).toEqual([ann.playerId]);
  expect(() => bob.broadcast(text("late"))).toThrow(/closed/);
  await expect(bob.ping()).rejects.toThrow(/closed/);
  await bob.leave(); // again: nothing happens

  const roomClosed = cluster.manager.proc.waitFor(roomClosedLine(ann.roomId), 5000, "room closed");
  await ann.leave();
  await roomClosed;
  expect(annLog.states).toEqual(["closed"]);
  expect(bobLog.states).toEqual(["closed"]);
  expect(annLog.errors).toHaveLength(1); // the unknown-player one
  expect(bobLog.errors).toHaveLength(0);
  await expect(annClient.getRoom(ann.roomId)).rejects.toMatchObject({ code: Code.NotFound });
});

test("joining a room that does not exist rejects with the Gateway's not_found", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol: "grpc-web" });
  const e = await c.joinRoom("A".repeat(22)).catch((x: unknown) => x);
  expect(ConnectError.from(e).code).toBe(Code.NotFound);
});

test("the same request_id gets the same room and player back", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0));
  const key = `sdk-${Date.now()}`;
  const a = await c.createRoom({ requestId: key, playerName: "ann" });
  // The creator's seat is already taken by `a`: the second connection with the same player takes
  // it over, and `a` is told it was replaced, for good.
  const aClosed = nextEvent(a, "closed");
  const b = await c.createRoom({ requestId: key, playerName: "ann" });
  expect(b.roomId).toBe(a.roomId);
  expect(b.playerId).toBe(a.playerId);
  const closed = await aClosed;
  expect(closed.code).toBe(4001);
  expect(closed.error?.message).toMatch(/replaced/);
  expect(a.state).toBe("closed");
  await b.leave();
});

test("bad options are refused up front", () => {
  expect(() => new RoomgateClient("http://127.0.0.1:1", { protocol: "grpc" as never })).toThrow(/protocol/);
  expect(() => new RoomgateClient("http://127.0.0.1:1", { reconnect: { maxAttempts: -1 } })).toThrow(RangeError);
});
