import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { JoinTokens } from "../../common/token";
import { roomRemoved, startCluster } from "../harness/cluster";
import { codeOf } from "../harness/codes";
import { ErrorCode, RoomgateClient, RoomServerError } from "@roomgate/client";
import { nextEvent, nextState, record, text, untext } from "../../testkit/sdk-events";
import { gatewayClient, Player } from "../../testkit/client";

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
  expect(ann.connection).toBe("open");
  expect(ann.roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(ann.playerId).toMatch(/\S/);
  expect(ann.serverAddress).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  expect(ann.players).toEqual([expect.objectContaining({ id: ann.playerId, name: "ann" })]);
  const annLog = record(ann);

  const bobJoined = nextEvent(ann, "playerJoined");
  const bob = await bobClient.joinRoom(ann.roomId, { playerName: "bob" });
  const bobLog = record(bob);
  expect(bob).toMatchObject({
    roomId: ann.roomId,
    serverId: ann.serverId,
    serverAddress: ann.serverAddress,
    region: ann.region,
    connection: "open",
  });
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
  expect(ann.connection).toBe("open");

  const info = await bobClient.getRoom(ann.roomId);
  expect(info).toMatchObject({ roomId: ann.roomId, serverId: ann.serverId, maxPlayers: 4, playerCount: 2 });

  const bobLeft = nextEvent(ann, "playerLeft");
  const bobClosed = nextEvent(bob, "closed");
  await bob.leave();
  expect(bob.connection).toBe("closed");
  expect(await bobClosed).toEqual({ code: 1000, reason: expect.any(String) });
  expect(await bobLeft).toBe(bob.playerId);
  expect(ann.players.map((p) => p.id)).toEqual([ann.playerId]);
  expect(() => bob.broadcast(text("late"))).toThrow(/closed/);
  await expect(bob.ping()).rejects.toThrow(/closed/);
  await bob.leave(); // again: nothing happens

  const roomClosed = roomRemoved(cluster, ann.roomId, 5000);
  await ann.leave();
  await roomClosed;
  expect(annLog.states).toEqual(["closed"]);
  expect(bobLog.states).toEqual(["closed"]);
  expect(annLog.errors).toHaveLength(1); // the unknown-player one
  expect(bobLog.errors).toHaveLength(0);
  await expect(annClient.getRoom(ann.roomId)).rejects.toMatchObject({ code: Code.NotFound });
});

test("shared state: others see every change, newcomers get it in their welcome, owned keys go with their owner", async () => {
  const annClient = new RoomgateClient(env.cluster.gatewayUrl(0));
  const bobClient = new RoomgateClient(env.cluster.gatewayUrl(1), { protocol: "grpc-web" });
  const ann = await annClient.createRoom({ playerName: "ann" });
  const bob = await bobClient.joinRoom(ann.roomId, { playerName: "bob" });
  const [annLog, bobLog] = [record(ann), record(bob)];

  const atBob = nextState(bob, "score");
  ann.setState("score", text("1"));
  // Our own change is in our view at once, and announced like anyone's.
  expect(ann.state.get("score")).toEqual({ value: text("1"), owner: "" });
  expect(await atBob).toEqual({ value: text("1"), from: ann.playerId });
  expect(bob.state.get("score")).toEqual({ value: text("1"), owner: "" });

  const bobKey = `pos/${bob.playerId}`;
  const atAnn = nextState(ann, bobKey);
  bob.setState(bobKey, new Uint8Array([1, 0, 7, 0, 9]), { owned: true });
  expect(await atAnn).toEqual({ value: new Uint8Array([1, 0, 7, 0, 9]), from: bob.playerId });
  expect(ann.state.get(bobKey)?.owner).toBe(bob.playerId);

  const deleted = nextState(bob, "score");
  ann.setState("score", new Uint8Array());
  expect(await deleted).toEqual({ value: undefined, from: ann.playerId });
  expect(bob.state.has("score")).toBe(false);

  const cy = await annClient.joinRoom(ann.roomId, { playerName: "cy" });
  expect([...cy.state.keys()]).toEqual([bobKey]);
  expect(cy.state.get(bobKey)).toEqual({ value: new Uint8Array([1, 0, 7, 0, 9]), owner: bob.playerId });

  // Bob leaves for good: the server deletes what he owned, for everyone.
  const gone = [nextState(ann, bobKey), nextState(cy, bobKey)];
  await bob.leave();
  for (const g of gone) expect(await g).toEqual({ value: undefined, from: "" });
  expect(ann.state.size).toBe(0);

  // Over a limit: an error event, the state unchanged on the server, the connection open.
  const err = nextEvent(ann, "error");
  ann.setState("k".repeat(129), text("x"));
  expect(((await err) as RoomServerError).code).toBe(ErrorCode.STATE_LIMIT);
  expect(ann.connection).toBe("open");
  expect(await ann.ping()).toBeGreaterThan(0);
  const late = await annClient.joinRoom(ann.roomId);
  expect(late.state.size).toBe(0);
  // Ann's own view ran ahead: the server does not say which set it refused (documented).
  expect(ann.state.has("k".repeat(129))).toBe(true);

  expect(annLog.changes).toEqual([
    `score=1<-${ann.playerId}`,
    `${bobKey}=\u0001\u0000\u0007\u0000\t<-${bob.playerId}`,
    `score=<-${ann.playerId}`,
    `${bobKey}=<-`,
    `${"k".repeat(129)}=x<-${ann.playerId}`,
  ]);
  expect(bobLog.changes).toEqual([
    `score=1<-${ann.playerId}`,
    `${bobKey}=\u0001\u0000\u0007\u0000\t<-${bob.playerId}`,
    `score=<-${ann.playerId}`,
  ]);
  for (const r of [late, cy, ann]) await r.leave();
});

test("rejoin tokens: ours for this room keep the player's id (within the rejoin window); forged, too old or another room's are refused", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(1));
  const ann = await c.createRoom({ playerName: "ann" });
  const other = await c.createRoom({ playerName: "olga" });
  const ours = new JoinTokens(env.cluster.o.secret);
  const claims = (expireTimeMs: number, playerId = "p_returning") => ({
    roomId: ann.roomId,
    playerId,
    serverId: ann.serverId,
    playerName: "zed",
    expireTimeMs,
  });

  // zed's connection drops (no leave), so the room expects it back within REJOIN_GRACE_MS.
  const ticket = await gatewayClient(env.cluster.gatewayUrl(0)).joinRoom({ roomId: ann.roomId, playerName: "zed" });
  const dropped = await Player.join(ticket.serverAddress, ticket.roomId, ticket.joinToken);
  const zedLeft = nextEvent(ann, "playerLeft");
  dropped.player.terminate();
  await zedLeft;
  // Its token expired a minute ago: well within the default ten-minute window. The name comes with it.
  const zed = await c.joinRoom(ann.roomId, { rejoinToken: ours.sign(claims(Date.now() - 60_000, ticket.playerId)) });
  expect(zed.playerId).toBe(ticket.playerId);
  expect(zed.players.find((p) => p.id === ticket.playerId)?.name).toBe("zed");
  await zed.leave();
  // A player the room never had (or that left, as zed just did) is not taken in as itself. (A
  // live token nobody used is a first ticket still: the Gateway would pass it on, so these expired.)
  for (const playerId of ["p_returning", ticket.playerId]) {
    const e = await c
      .joinRoom(ann.roomId, { rejoinToken: ours.sign(claims(Date.now() - 1_000, playerId)) })
      .catch((x: Error) => x);
    expect(String(e)).toMatch(/403 player is not expected back/);
  }

  const refused = async (token: string) => codeOf(c.joinRoom(ann.roomId, { rejoinToken: token }));
  const stranger = new JoinTokens(randomBytes(24).toString("base64url"));
  expect(await refused(stranger.sign(claims(Date.now() + 60_000)))).toBe("Unauthenticated");
  expect(await refused("not-a-token")).toBe("Unauthenticated");
  expect(await refused(ours.sign(claims(Date.now() - 11 * 60_000)))).toBe("Unauthenticated");
  expect(await refused(other.joinToken)).toBe("InvalidArgument");

  // A live token: the same seat, taken over from the connection that had it; a given name wins.
  const annClosed = nextEvent(ann, "closed");
  const again = await c.joinRoom(ann.roomId, { rejoinToken: ann.joinToken, playerName: "ann2" });
  expect(again.playerId).toBe(ann.playerId);
  expect(again.players.find((p) => p.id === ann.playerId)?.name).toBe("ann2");
  expect((await annClosed).code).toBe(4001);
  await again.leave();
  await other.leave();
});

test("joining a room that does not exist rejects with the Gateway's not_found", async () => {
  const c = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol: "grpc-web" });
  const e = await c.joinRoom("A".repeat(22)).catch((x: unknown) => x);
  expect(ConnectError.from(e).code).toBe(Code.NotFound);
});

test.each(["connect", "grpc-web"] as const)(
  "a request the Gateway refuses is a ConnectError over %s: invalid_argument, its message, the violations as a detail",
  async (protocol) => {
    const c = new RoomgateClient(env.cluster.gatewayUrl(1), { protocol });
    const e = await c.createRoom({ measureRegions: false, mode: "no spaces here" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectError);
    const err = e as ConnectError;
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.message).toBe(`[invalid_argument] ${err.rawMessage}`);
    expect(err.rawMessage).toMatch(/^mode: /);
    const detail = err.details.find((d) => "type" in d && d.type === "buf.validate.Violations");
    const violations = fromBinary(ViolationsSchema, (detail as { value: Uint8Array }).value).violations;
    expect(violations.map((v) => v.field?.elements.map((f) => f.fieldName))).toEqual([["mode"]]);
  },
);

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
  expect(a.connection).toBe("closed");
  await b.leave();
});

test("bad options are refused up front", () => {
  expect(() => new RoomgateClient("http://127.0.0.1:1", { protocol: "grpc" as never })).toThrow(/protocol/);
  expect(() => new RoomgateClient("http://127.0.0.1:1", { reconnect: { maxAttempts: -1 } })).toThrow(RangeError);
});
