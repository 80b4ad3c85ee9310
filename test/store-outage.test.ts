import { randomBytes } from "node:crypto";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { GameServerState, RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind } from "../gen/roomgate/v1/gateway_pb.js";
import { isRoomId } from "../common/ids";
import { RedisStore } from "../common/store/redis-store";
import { Cluster } from "../testkit/cluster";
import { AS_OPERATOR, gatewayClient, Player } from "../testkit/client";
import { type RedisProcess, startRedis } from "../testkit/redis-server";

// Redis goes away and comes back. Meanwhile the Gateways and the Manager answer `unavailable`
// quickly, nothing crashes and games in progress go on; afterwards everything works again on its
// own and the store maps exactly the rooms the game servers run. This suite has a redis-server of
// its own (append-only file, fsync at every write) that it stops and starts on the same port.

const COMMAND_TIMEOUT_MS = 500;
/** Far above the configured command timeout: an `unavailable` slower than this is a hang. */
const UNAVAILABLE_WITHIN_MS = 2000;
const REPORT_MS = 200;
/** Many report intervals: a Manager that counted failed store writes as missed reports would bury every server. */
const OUTAGE_MS = Number(process.env.STORE_OUTAGE_MS ?? 4000);
const PREFIX = "outage:";

let redis: RedisProcess;
let cluster: Cluster;
let store: RedisStore;

beforeAll(async () => {
  redis = await startRedis({ appendfsync: "always" });
  const storeEnv = { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) };
  cluster = new Cluster({
    redisUrl: redis.url,
    keyPrefix: PREFIX,
    secret: randomBytes(24).toString("base64url"),
    gateways: 2,
    gameServers: 2,
    gatewayEnv: storeEnv,
    managerEnv: { ...storeEnv, LOG_LEVEL: "debug" },
    gameServerEnv: { REPORT_INTERVAL_MS: String(REPORT_MS) },
  });
  store = new RedisStore({ redis: redis.url, keyPrefix: PREFIX, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  await cluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.stop(5000);
  await store?.close();
  await redis?.stop();
}, 60_000);

/** How a call ended and how long it took. */
async function timed(p: Promise<unknown>): Promise<{ code: string; ms: number; message: string }> {
  const t0 = Date.now();
  try {
    await p;
    return { code: "OK", ms: Date.now() - t0, message: "" };
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: Code[err.code], ms: Date.now() - t0, message: err.rawMessage };
  }
}

/** Polls a condition until it holds or the deadline passes (for state that has no event). */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One player's broadcast reaches the other. */
async function exchange(from: Player, to: Player, n: number) {
  from.broadcast(new Uint8Array([n & 0xff, (n >> 8) & 0xff]));
  const m = await to.next("message", 3000);
  expect(m.frame.value.payload).toEqual(new Uint8Array([n & 0xff, (n >> 8) & 0xff]));
}

const storeLost = (l: { msg: string; connection?: unknown }) =>
  l.msg.startsWith("store connection lost") && l.connection === "commands";
const storeBack = (l: { msg: string; connection?: unknown }) =>
  l.msg === "store connection restored" && l.connection === "commands";

/** The room ids the store maps, read from the keys themselves. */
async function storedRoomIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await store.redis.scan(cursor, "MATCH", `${PREFIX}room:*`, "COUNT", 1000);
    cursor = next;
    for (const k of keys) {
      const id = k.slice(`${PREFIX}room:`.length);
      if (isRoomId(id)) ids.push(id);
    }
  } while (cursor !== "0");
  return ids.sort();
}

async function healthz(port: number): Promise<{ rooms: number; players: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return (await res.json()) as { rooms: number; players: number };
}

// State shared by the steps below, in order.
const live = new Map<string, { a: Player; b: Player; serverId: string }>();
let closedDuringOutage = "";
let redisBackAt = 0;

test("while Redis is down: unavailable within the bound, games go on, nothing exits", async () => {
  const gws = [gatewayClient(cluster.gatewayUrl(0)), gatewayClient(cluster.gatewayUrl(1), "grpc")];
  // Two rooms whose players keep talking through the outage, and one that empties during it.
  for (let i = 0; i < 2; i++) {
    const r = await gws[i]!.createRoom({ maxPlayers: 4, playerName: `a${i}` });
    const j = await gws[1 - i]!.joinRoom({ roomId: r.roomId, playerName: `b${i}` });
    const a = await Player.join(r.serverAddress, r.roomId, r.joinToken);
    const b = await Player.join(j.serverAddress, j.roomId, j.joinToken);
    await a.player.next("playerJoined");
    live.set(r.roomId, { a: a.player, b: b.player, serverId: r.serverId });
  }
  const leaving = await gws[0]!.createRoom({});
  const leaver = await Player.join(leaving.serverAddress, leaving.roomId, leaving.joinToken);
  closedDuringOutage = leaving.roomId;
  const [roomA] = [...live.keys()];

  const haltedAt = Date.now();
  await redis.halt("SIGTERM");
  // Every component with a store notices on its own connection.
  await Promise.all(
    [cluster.manager, ...cluster.gateways].map((c) => c.proc.waitFor(storeLost, 5000, "store connection lost")),
  );

  const slowest = { ms: 0, what: "" };
  const took: number[] = [];
  const check = async (what: string, p: Promise<unknown>) => {
    const r = await timed(p);
    expect({ what, code: r.code }).toEqual({ what, code: "Unavailable" });
    expect(r.message).toMatch(/unavailable/);
    took.push(r.ms);
    if (r.ms > slowest.ms) Object.assign(slowest, { ms: r.ms, what: `${what}: ${r.message}` });
  };

  await leaver.player.leave(); // the room closes on its game server while the store cannot hear of it

  // Light load for the whole outage: every call answers unavailable in time, rooms keep relaying.
  let n = 0;
  while (Date.now() - haltedAt < OUTAGE_MS) {
    const gw = gws[n % 2]!;
    await check("CreateRoom", gw.createRoom({ requestId: `outage-${n}` }));
    await check("JoinRoom", gw.joinRoom({ roomId: roomA! }));
    await check("GetRoom", gw.getRoom({ roomId: roomA! }));
    for (const { a, b } of live.values()) {
      await exchange(a, b, n);
      await exchange(b, a, n);
    }
    n++;
  }
  // A new dashboard stream ends with unavailable too, instead of hanging.
  await check("WatchCluster", gws[0]!.watchCluster({ maxIntervalMs: 250 }, AS_OPERATOR)[Symbol.asyncIterator]().next());
  took.sort((x, y) => x - y);
  console.log(
    `store outage: ${n} rounds in ${Date.now() - haltedAt} ms; ${took.length} calls answered unavailable, ` +
      `median ${took[took.length >> 1]} ms, slowest ${slowest.ms} ms (${slowest.what})`,
  );
  expect(slowest.ms).toBeLessThan(UNAVAILABLE_WITHIN_MS);

  for (const p of cluster.procs) expect({ proc: p.name, alive: p.running }).toEqual({ proc: p.name, alive: true });
  // No server was declared dead because the store was gone.
  expect(cluster.manager.proc.lines.filter((l) => l.msg === "game server removed")).toEqual([]);

  await redis.restart();
  redisBackAt = Date.now();
}, 60_000);

test("after Redis returns: rooms can be joined and created again, with no restart of anything", async () => {
  expect(redisBackAt).toBeGreaterThan(0);
  const gws = [gatewayClient(cluster.gatewayUrl(0)), gatewayClient(cluster.gatewayUrl(1), "grpc-web")];
  const [roomA, roomB] = [...live.keys()];
  const rejoined = await eventually(
    "JoinRoom through the Gateway",
    async () => {
      const r = await gws[1]!.joinRoom({ roomId: roomA!, playerName: "late" });
      return r;
    },
    10_000,
    20,
  );
  const joinMs = Date.now() - redisBackAt;
  const created = await eventually(
    "CreateRoom through the Gateway",
    () => gws[0]!.createRoom({ playerName: "new" }),
    10_000,
    20,
  );
  const createMs = Date.now() - redisBackAt;
  // Game servers are store clients too (they spend join tokens there): the raw player below
  // connects once, without the SDK's way back through the Gateway, so it waits for them as well.
  const restored = await Promise.all(
    [cluster.manager, ...cluster.gateways, ...cluster.gameServers].map((c) =>
      c.proc.waitFor(storeBack, 5000, "store connection restored"),
    ),
  );
  const baseline = [];
  for (let i = 0; i < 10; i++) baseline.push((await timed(gws[i % 2]!.getRoom({ roomId: roomA! }))).ms);
  baseline.sort((x, y) => x - y);
  console.log(
    `store recovery after redis-server was ready again: JoinRoom ok after ${joinMs} ms, CreateRoom ok after ${createMs} ms; ` +
      `reconnected: ${restored.map((l) => `${l.component} after ${l.downMs} ms down`).join(", ")}; ` +
      `a successful GetRoom now takes ${baseline[5]} ms (median of 10)`,
  );

  // The rejoining player lands in the running room, with the players who never left.
  expect(rejoined.serverId).toBe(live.get(roomA!)!.serverId);
  const late = await Player.join(rejoined.serverAddress, rejoined.roomId, rejoined.joinToken);
  expect(late.welcome.players.map((p) => p.name).sort()).toEqual(["a0", "b0", "late"]);
  const { a, b } = live.get(roomA!)!;
  await exchange(late.player, a, 1);
  await exchange(b, late.player, 2);
  live.get(roomB!)!.a.send({ case: "ping", value: { nonce: 3 } });
  expect((await live.get(roomB!)!.a.next("pong")).frame.value.nonce).toBe(3);

  // New rooms, on both Gateways, joinable and alive.
  const more = [created, await gws[1]!.createRoom({}), await gws[0]!.createRoom({})];
  for (const r of more) {
    const p = await Player.join(r.serverAddress, r.roomId, r.joinToken);
    live.set(r.roomId, { a: p.player, b: p.player, serverId: r.serverId });
  }
  live.get(roomA!)!.b = late.player;

  // A retried CreateRoom with a request id first seen during the outage makes one room, once.
  const retry1 = await gws[0]!.createRoom({ requestId: "outage-0" });
  const retry2 = await gws[1]!.createRoom({ requestId: "outage-0" });
  expect(retry2.roomId).toBe(retry1.roomId);
  const p = await Player.join(retry1.serverAddress, retry1.roomId, retry1.joinToken);
  live.set(retry1.roomId, { a: p.player, b: p.player, serverId: retry1.serverId });

  // The dashboard feed works again and carries events (its subscription came back).
  const abort = new AbortController();
  const stream = gws[1]!
    .watchCluster({ maxIntervalMs: 60_000 }, { ...AS_OPERATOR, signal: abort.signal })
    [Symbol.asyncIterator]();
  await stream.next(); // the first snapshot
  // Public: the stream names no private room.
  const watched = await gws[0]!.createRoom({ visibility: RoomVisibility.PUBLIC, mode: "outage" });
  const q = await Player.join(watched.serverAddress, watched.roomId, watched.joinToken);
  live.set(watched.roomId, { a: q.player, b: q.player, serverId: watched.serverId });
  for (;;) {
    const next = await stream.next();
    if (next.done) throw new Error("the WatchCluster stream ended");
    if (next.value.events.some((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED && e.roomId === watched.roomId)) break;
  }
  abort.abort();
  await stream.return?.(undefined).catch(() => undefined);
}, 60_000);

test("after Redis returns: servers stay live and the store maps exactly the rooms the game servers run", async () => {
  for (const p of cluster.procs) expect({ proc: p.name, alive: p.running }).toEqual({ proc: p.name, alive: true });
  // ioredis prints "Unhandled error event" when nobody listens for a connection's errors.
  const unhandled = cluster.procs.flatMap((p) =>
    p.lines.filter((l) => /unhandled/i.test(l.msg)).map((l) => `${p.name}: ${l.msg}`),
  );
  expect(unhandled).toEqual([]);

  // Fresh load reports reach the store again, and no server was buried for the outage.
  for (const gs of cluster.gameServers) {
    await eventually(
      `a load report of ${gs.id} after the outage`,
      async () => {
        const s = await store.getServer(gs.id);
        return s?.lastReportTime && timestampMs(s.lastReportTime) > redisBackAt ? s : undefined;
      },
      5000,
    );
    const s = await store.getServer(gs.id);
    expect(s?.state).toBe(GameServerState.LIVE);
  }
  expect(cluster.manager.proc.lines.filter((l) => l.msg === "game server removed")).toEqual([]);

  const expected = [...live.keys()].sort();
  // Reconciliation may take a moment (the Manager replays the room ends it could not record at
  // its next sweep); the room that closed during the outage must go.
  const settled = await eventually(
    "the store to map exactly the running rooms",
    async () => {
      const ids = await storedRoomIds();
      return ids.length === expected.length && ids.every((id, i) => id === expected[i]) ? ids : undefined;
    },
    5000,
  ).catch(async (e) => {
    const ids = await storedRoomIds();
    const stale = ids.filter((id) => !live.has(id));
    const missing = expected.filter((id) => !ids.includes(id));
    throw new Error(
      `${(e as Error).message}\nstale mappings: ${JSON.stringify(stale)}` +
        `${stale.includes(closedDuringOutage) ? " (the room that closed while Redis was down)" : ""}; missing: ${JSON.stringify(missing)}`,
    );
  });
  expect(settled).toEqual(expected);
  expect(settled).not.toContain(closedDuringOutage);

  // Each server's own count, its set in the store and its reservations agree: nothing doubled.
  for (const gs of cluster.gameServers) {
    const mine = [...live.entries()]
      .filter(([, r]) => r.serverId === gs.id)
      .map(([id]) => id)
      .sort();
    expect((await store.listServerRooms(gs.id)).sort()).toEqual(mine);
    expect((await healthz(gs.port)).rooms).toBe(mine.length);
    expect((await store.getServer(gs.id))?.reservedRooms).toBe(mine.length);
  }
}, 30_000);
