import { gatewayClient, Player } from "../testkit/client";
import { JoinTokens } from "../common/token";
import { RoomState } from "../gen/roomgate/v1/common_pb";
import { leaveAll, roomRemoved, startCluster, startRegisteredGameServer } from "./harness/cluster";
import { codeOf } from "./harness/codes";

// The whole flow across separate processes on loopback and a real Redis: one Manager, two
// Gateways, three game servers.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("flow", { gateways: 2, gameServers: 3 });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

test("create on one Gateway, join on the other, talk, leave: the mapping is gone", async () => {
  const { cluster, store } = env;
  const gw0 = gatewayClient(cluster.gatewayUrl(0), "connect");
  const gw1 = gatewayClient(cluster.gatewayUrl(1), "grpc");
  const created = await gw0.createRoom({ playerName: "ann", maxPlayers: 4 });
  expect(created.roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(created.serverAddress).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  const joined = await gw1.joinRoom({ roomId: created.roomId, playerName: "bob" });
  expect(joined.serverAddress).toBe(created.serverAddress);
  expect(joined.playerId).not.toBe(created.playerId);

  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  expect(ann.welcome).toMatchObject({ roomId: created.roomId, playerId: created.playerId, serverId: created.serverId });
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  expect(bob.welcome.players.map((p) => p.name).sort()).toEqual(["ann", "bob"]);
  expect((await ann.player.next("playerJoined")).frame.value.player).toMatchObject({
    id: joined.playerId,
    name: "bob",
  });

  ann.player.broadcast(new TextEncoder().encode("hello bob"));
  const m = await bob.player.next("message");
  expect(m.frame.value.fromPlayerId).toBe(created.playerId);
  expect(new TextDecoder().decode(m.frame.value.payload)).toBe("hello bob");
  bob.player.broadcast(new Uint8Array([9, 8, 7]));
  expect((await ann.player.next("message")).frame.value.payload).toEqual(new Uint8Array([9, 8, 7]));

  const room = await gatewayClient(cluster.gatewayUrl(1), "grpc-web").getRoom({ roomId: created.roomId });
  expect(room.room).toMatchObject({ roomId: created.roomId, serverId: created.serverId, maxPlayers: 4 });

  await bob.player.leave();
  expect((await ann.player.next("playerLeft")).frame.value.playerId).toBe(joined.playerId);
  await ann.player.leave();
  await roomRemoved(cluster, created.roomId, 5000);
  expect(await store.getRoom(created.roomId)).toBeUndefined();
  expect(await codeOf(gw1.getRoom({ roomId: created.roomId }))).toBe("NotFound");
  expect(await codeOf(gw0.joinRoom({ roomId: created.roomId }))).toBe("NotFound");
  const server = await store.getServer(created.serverId);
  expect(server).toMatchObject({ reservedRooms: 0, reservedSeats: 0 });
});

test("a room opens on its first join token, whoever brings it; the store has it OPENING until then", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0), "connect");
  const created = await gw.createRoom({ playerName: "ann", maxPlayers: 2 });
  expect((await store.getRoom(created.roomId))!.state).toBe(RoomState.OPENING);
  const joined = await gw.joinRoom({ roomId: created.roomId, playerName: "bob" });
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  expect(bob.welcome.players.map((p) => p.name)).toEqual(["bob"]);
  // Its server recorded it OPEN before the welcome.
  expect((await store.getRoom(created.roomId))!.state).toBe(RoomState.OPEN);
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  expect(ann.welcome.players.map((p) => p.name).sort()).toEqual(["ann", "bob"]);
  await leaveAll(cluster, [
    { roomId: created.roomId, leave: () => ann.player.leave() },
    { roomId: created.roomId, leave: () => bob.player.leave() },
  ]);
});

test("what a room publishes to all and what it sends to one player arrive in the order they were sent", async () => {
  // Broadcasts go out through the game server's pub/sub (one uWS topic per room), messages to
  // one player straight down that player's socket; interleaved, they must not overtake each other.
  const gw = gatewayClient(env.cluster.gatewayUrl(0), "connect");
  const created = await gw.createRoom({ playerName: "ann", maxPlayers: 3 });
  const joined = await gw.joinRoom({ roomId: created.roomId, playerName: "bob" });
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  await ann.player.next("playerJoined");
  const n = 40;
  for (let i = 0; i < n; i++) {
    const payload = new Uint8Array([i]);
    if (i % 3 === 0) ann.player.send({ case: "sendTo", value: { playerId: joined.playerId, payload } });
    else ann.player.broadcast(payload);
  }
  ann.player.broadcast(new Uint8Array([255]));
  const last = await bob.player.next("message");
  const got: number[] = [];
  for (let m = last; ; m = await bob.player.next("message")) {
    got.push(m.frame.value.payload[0]!);
    if (m.frame.value.payload[0] === 255) break;
  }
  expect(got).toEqual([...Array.from({ length: n }, (_, i) => i), 255]);
  // The sender is not among those its broadcasts are published to.
  expect(ann.player.frames.filter((f) => f.frame.case === "message")).toEqual([]);
  await bob.player.leave();
  await ann.player.leave();
});

test("rooms spread over the three servers", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const rooms = await Promise.all(Array.from({ length: 9 }, () => gw.createRoom({})));
  const per = new Map<string, number>();
  for (const r of rooms) per.set(r.serverId, (per.get(r.serverId) ?? 0) + 1);
  expect(per.size).toBe(3);
  for (const n of per.values()) expect(n).toBe(3);
});

test("a retried CreateRoom with the same request_id gets the same room and player", async () => {
  const gw0 = gatewayClient(env.cluster.gatewayUrl(0));
  const gw1 = gatewayClient(env.cluster.gatewayUrl(1), "grpc");
  const key = `retry-${Date.now()}`;
  const [a, b] = await Promise.all([gw0.createRoom({ requestId: key }), gw1.createRoom({ requestId: key })]);
  const c = await gw0.createRoom({ requestId: key });
  expect(new Set([a.roomId, b.roomId, c.roomId]).size).toBe(1);
  expect(new Set([a.playerId, b.playerId, c.playerId]).size).toBe(1);
  expect((await gw0.createRoom({ requestId: key + "-other" })).roomId).not.toBe(a.roomId);
});

test("malformed Gateway requests get invalid_argument, unknown rooms not_found", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  expect(await codeOf(gw.joinRoom({ roomId: "" }))).toBe("InvalidArgument");
  expect(await codeOf(gw.joinRoom({ roomId: "../../etc/passwd" }))).toBe("InvalidArgument");
  expect(await codeOf(gw.getRoom({ roomId: "A".repeat(22) }))).toBe("NotFound");
  expect(await codeOf(gw.createRoom({ maxPlayers: 100_000 }))).toBe("InvalidArgument");
  expect(await codeOf(gw.createRoom({ region: "x".repeat(65) }))).toBe("InvalidArgument");
  expect(await codeOf(gw.createRoom({ playerName: "bad\u0000name" }))).toBe("InvalidArgument");
  // Bodies that do not decode at all get a clear error and the Gateway keeps serving. A JSON body
  // of the wrong shape is invalid_argument; connect-es reports undecodable binary as internal.
  const url = `${env.cluster.gatewayUrl(0)}/roomgate.v1.GatewayService/CreateRoom`;
  const json = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"maxPlayers":"lots"}',
  });
  expect(json.status).toBe(400);
  expect(await json.json()).toMatchObject({ code: "invalid_argument" });
  const bin = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/proto" },
    body: new Uint8Array([0xff, 0xff, 0xff, 0xff]),
  });
  expect(await bin.json()).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/parse binary/) });
  expect(await codeOf(gw.createRoom({}))).toBe("ok");
});

describe("join tokens", () => {
  let room: Awaited<ReturnType<ReturnType<typeof gatewayClient>["createRoom"]>>;
  const refused = async (url: string) => {
    const err = await Player.connect(url).then(
      (p) => {
        p.terminate();
        return undefined;
      },
      (e) => e as { status: number; body: string },
    );
    if (!err) throw new Error("connection was accepted");
    return err;
  };

  beforeAll(async () => {
    room = await gatewayClient(env.cluster.gatewayUrl(0)).createRoom({});
  });

  test("missing, forged, expired and other-room tokens are refused before the upgrade", async () => {
    const base = `${room.serverAddress}/rooms/${room.roomId}`;
    expect((await refused(base)).status).toBe(401);
    expect((await refused(`${base}?token=garbage`)).status).toBe(401);
    const forger = new JoinTokens("not-the-cluster-secret!!");
    const forged = forger.sign({
      roomId: room.roomId,
      playerId: "p_x",
      serverId: room.serverId,
      playerName: "",
      expireTimeMs: Date.now() + 60_000,
    });
    expect((await refused(`${base}?token=${forged}`)).body).toMatch(/bad signature/);
    const real = new JoinTokens(env.cluster.o.secret);
    const expired = real.sign({
      roomId: room.roomId,
      playerId: "p_x",
      serverId: room.serverId,
      playerName: "",
      expireTimeMs: Date.now() - 1,
    });
    expect((await refused(`${base}?token=${expired}`)).body).toMatch(/expired/);
    const other = await gatewayClient(env.cluster.gatewayUrl(1)).createRoom({});
    expect((await refused(`${base}?token=${other.joinToken}`)).body).toMatch(/wrong room|wrong server/);
    // The room is unharmed: its real token still gets in.
    const ok = await Player.join(room.serverAddress, room.roomId, room.joinToken);
    expect(ok.welcome.roomId).toBe(room.roomId);
    await ok.player.leave();
  });
});

test("oversized and garbage frames get an error frame and a close; the room goes on", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const r = await gw.createRoom({ maxPlayers: 4 });
  const j1 = await gw.joinRoom({ roomId: r.roomId });
  const j2 = await gw.joinRoom({ roomId: r.roomId });
  const host = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const big = await Player.join(j1.serverAddress, j1.roomId, j1.joinToken);
  const junk = await Player.join(j2.serverAddress, j2.roomId, j2.joinToken);

  big.player.sendRaw(Buffer.alloc(16_385, 1)); // default MAX_FRAME_BYTES is 16384
  expect((await big.player.next("error")).frame.value.code).toBe(2 /* FRAME_TOO_LARGE */);
  expect((await big.player.closed).code).toBe(1009);

  junk.player.sendRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  expect((await junk.player.next("error")).frame.value.code).toBe(1 /* MALFORMED_FRAME */);
  expect((await junk.player.closed).code).toBe(1008);

  const j3 = await gw.joinRoom({ roomId: r.roomId });
  const late = await Player.join(j3.serverAddress, j3.roomId, j3.joinToken);
  late.player.broadcast(new Uint8Array([42]));
  expect((await host.player.next("message")).frame.value.payload).toEqual(new Uint8Array([42]));
  await late.player.leave();
  await host.player.leave();
});

test("a server started with OPEN_ON_TOKEN=false is asked first, as before: its rooms are OPEN when CreateRoom answers", async () => {
  const { cluster, store } = env;
  // Last in this file: the cluster has a fourth server from now on.
  await startRegisteredGameServer(cluster, "gs-asked", { OPEN_ON_TOKEN: "false", GAMESERVER_LABELS: "asked=1" });
  const gw = gatewayClient(cluster.gatewayUrl(0), "connect");
  const created = await gw.createRoom({ playerName: "ann", maxPlayers: 2, labels: { asked: "1" } });
  expect(created.serverId).toBe("gs-asked");
  expect((await store.getRoom(created.roomId))!.state).toBe(RoomState.OPEN);
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  expect(ann.welcome.roomId).toBe(created.roomId);
  await leaveAll(cluster, [{ roomId: created.roomId, leave: () => ann.player.leave() }]);
});
