import { fromBinary } from "@bufbuild/protobuf";
import { RoomSnapshotSchema } from "../gen/roomgate/v1/room_pb.js";
import type { LogLine } from "../testkit/cluster";
import { gatewayClient, Player } from "../testkit/client";
import { startTcpProxy, type TcpProxy } from "../testkit/tcp-proxy";
import { startCluster } from "./harness/cluster";
import { redisUrl } from "./harness/state";

// Issue 16, Partitions: a game server cut off from every Manager while its players still reach it.
// It must never run its room beside the copy the Managers move elsewhere: it fences (stops the
// room, players 4002) before any Manager declares it dead; the room resumes on another server
// from its last snapshot; when the partition heals, the server registers again and nothing is
// duplicated. The cut is silent (nothing refused or closed), between the server and both Managers,
// and between the server and Redis: a server that writes its own load reports (WRITE_LOAD_REPORTS)
// and still reaches the store is alive, and keeps its room (the second test).

const REPORT_MS = 500;
const MISSED = 6;
/** Lease = deadline (3 s) less the margin: 2.5 s (the margin is at most a sixth of the deadline). */
const FENCE_MARGIN_MS = 500;

let env: Awaited<ReturnType<typeof startCluster>>;
let proxies: TcpProxy[] = [];
/** gs-cut's own way to Redis. */
let toRedis: TcpProxy;

/**
 * Cuts the server off from every Manager, and heals it. One function, so the same test can run on
 * a network-namespace harness (testkit/netns.ts) later, where the cut is a firewall rule instead.
 */
interface Partition {
  cut(): void;
  heal(): void;
}

function proxyPartition(ps: readonly TcpProxy[]): Partition {
  return {
    cut: () => {
      for (const p of ps) p.blackhole();
    },
    heal: () => {
      for (const p of ps) p.heal();
    },
  };
}

beforeAll(async () => {
  const redis = new URL(redisUrl());
  toRedis = await startTcpProxy(Number(redis.port));
  env = await startCluster("partition", {
    redisUrl: redisUrl(),
    managers: 2,
    gateways: 1,
    gameServers: 0,
    managerEnv: { MISSED_REPORTS: String(MISSED), FENCE_MARGIN_MS: String(FENCE_MARGIN_MS) },
  });
  const cluster = env.cluster;
  proxies = await Promise.all(cluster.managers.map((m) => startTcpProxy(m.port)));
  const server = { REPORT_INTERVAL_MS: String(REPORT_MS), SNAPSHOT_INTERVAL_MS: "100" };
  await startRegisteredOnAny(cluster, "gs-cut", {
    ...server,
    GAMESERVER_REGION: "cut",
    MANAGER_ADDRESS: proxies.map((p) => `127.0.0.1:${p.port}`).join(","),
    REDIS_URL: `redis://127.0.0.1:${toRedis.port}`,
  });
  await startRegisteredOnAny(cluster, "gs-ok", { ...server, GAMESERVER_REGION: "ok" });
}, 60_000);

afterAll(async () => {
  await env?.stop();
  for (const p of proxies) await p.close();
  await toRedis?.close();
}, 60_000);

async function startRegisteredOnAny(cluster: typeof env.cluster, id: string, extra: Record<string, string>) {
  const registered = cluster.registered(id);
  await cluster.startGameServer(id, extra);
  await registered;
}

const at = (l: LogLine) => Date.parse(String(l.time));

/** Polls the store (its state has no event) until probe answers. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a server cut off from every Manager fences its room before it is declared dead; the room resumes elsewhere; after the heal nothing is doubled", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const cutServer = cluster.gameServer("gs-cut");
  const partition = proxyPartition([...proxies, toRedis]);

  const r = await gw.createRoom({ region: "cut", playerName: "ann", maxPlayers: 4 });
  expect(r.serverId).toBe("gs-cut");
  const ann = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const bobTicket = await gw.joinRoom({ roomId: r.roomId, playerName: "bob" });
  const bob = await Player.join(bobTicket.serverAddress, r.roomId, bobTicket.joinToken);
  ann.player.send({ case: "setState", value: { key: "k", value: new Uint8Array([1]) } });
  expect((await bob.player.next("stateChanged")).frame.value.entry?.key).toBe("k");
  // The state the moved room must come back with: in a snapshot the store holds.
  await eventually("a snapshot with k=1 in the store", async () => {
    const bytes = await store.getSnapshot(r.roomId);
    const k = bytes && fromBinary(RoomSnapshotSchema, bytes).state.find((e) => e.key === "k");
    return k?.value[0] === 1 ? true : undefined;
  });

  const registrationsBefore = registrations("gs-cut").length;
  const cutAt = Date.now();
  partition.cut();

  // The players still reach the server, and the room runs on while its lease lasts.
  ann.player.broadcast(new Uint8Array([7]));
  expect((await bob.player.next("message")).frame.value.payload).toEqual(new Uint8Array([7]));

  // Fenced: the players are sent back through the Gateway.
  const closes = await Promise.all([ann.player.closed, bob.player.closed]);
  const closedAt = Date.now();
  for (const c of closes) expect(c.code).toBe(4002);
  const fenced = await cutServer.proc.waitFor((l) => l.msg.startsWith("fenced"), 5000, "fence line");
  expect(fenced.rooms).toBe(1);
  // The cut-off copy is gone, not merely unreachable for its players: nothing there takes input.
  expect(await roomsOn(cutServer.port)).toBe(0);
  // Nor does a token from before the cut bring it back (the player's own ticket, reused).
  await expect(
    Player.connect(`${r.serverAddress}/rooms/${r.roomId}?token=${encodeURIComponent(bobTicket.joinToken)}`),
  ).rejects.toMatchObject({ status: 404 });

  // Declared dead only afterwards, by either Manager, and the room moves to the other server.
  const removed = await cluster.waitForAnyManager(
    (l) => l.msg === "game server removed" && l.serverId === "gs-cut",
    20_000,
    "gs-cut removed",
  );
  const moved = await cluster.waitForAnyManager(
    (l) => l.msg === "room moved" && l.roomId === r.roomId,
    20_000,
    "room moved",
  );
  console.log(
    `partition: cut at 0, fenced at ${at(fenced) - cutAt} ms (players closed by ${closedAt - cutAt} ms), ` +
      `declared dead at ${at(removed) - cutAt} ms, moved at ${at(moved) - cutAt} ms`,
  );
  // The order that makes two live copies impossible: the fence comes before the burial (and the
  // burial before the move), with room to spare.
  expect(at(fenced)).toBeLessThan(at(removed));
  expect(closedAt).toBeLessThan(at(removed));
  expect(at(removed)).toBeLessThanOrEqual(at(moved));
  expect(moved.serverId).toBe("gs-ok");

  // The room goes on at gs-ok from the snapshot; the fenced copy takes nobody.
  const again = await gw.joinRoom({ roomId: r.roomId, playerName: "ann" });
  expect(again.serverId).toBe("gs-ok");
  const back = await Player.join(again.serverAddress, again.roomId, again.joinToken);
  expect(back.welcome.restored).toBe(true);
  expect(back.welcome.state.find((e) => e.key === "k")?.value).toEqual(new Uint8Array([1]));

  // Heal: the server registers again, with no room, and the room is mapped once, to gs-ok.
  partition.heal();
  await eventually("gs-cut registered again", async () =>
    registrations("gs-cut").length > registrationsBefore ? true : undefined,
  );
  await eventually("gs-cut live in the store", async () => ((await store.getServer("gs-cut")) ? true : undefined));
  expect(await store.listServerRooms("gs-cut")).toEqual([]);
  expect((await store.listServerRooms("gs-ok")).filter((id) => id === r.roomId)).toEqual([r.roomId]);
  expect((await store.getRoom(r.roomId))?.serverId).toBe("gs-ok");
  expect(await roomsOn(cutServer.port)).toBe(0);
  // The healed server takes rooms again.
  const fresh = await gw.createRoom({ region: "cut" });
  expect(fresh.serverId).toBe("gs-cut");
  const p = await Player.join(fresh.serverAddress, fresh.roomId, fresh.joinToken);
  await p.player.leave();
  await back.player.leave();
}, 90_000);

test("a server cut off from every Manager but not from Redis stays alive: no fence, no burial, its room plays on, and it takes rooms again after the heal", async () => {
  const { cluster, store } = env;
  const gw = gatewayClient(cluster.gatewayUrl(0));
  const cutServer = cluster.gameServer("gs-cut");
  const partition = proxyPartition(proxies);
  const r = await gw.createRoom({ region: "cut", playerName: "cy", maxPlayers: 4 });
  expect(r.serverId).toBe("gs-cut");
  const cy = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  const dee = await gw.joinRoom({ roomId: r.roomId, playerName: "dee" });
  const d = await Player.join(dee.serverAddress, r.roomId, dee.joinToken);
  const fencesBefore = cutServer.proc.lines.filter((l) => l.msg.startsWith("fenced")).length;
  const epoch = (await store.getServer("gs-cut"))!.epoch;
  const cutAt = Date.now();
  partition.cut();
  // Two death deadlines: the server's own reports keep it alive, so nothing happens.
  await new Promise((resolve) => setTimeout(resolve, REPORT_MS * MISSED * 2)); // a span of time is what is tested
  cy.player.broadcast(new Uint8Array([9]));
  expect((await d.player.next("message")).frame.value.payload).toEqual(new Uint8Array([9]));
  expect(cutServer.proc.lines.filter((l) => l.msg.startsWith("fenced")).length).toBe(fencesBefore);
  for (const m of cluster.managers)
    expect(m.proc.lines.filter((l) => l.msg === "game server removed" && at(l) >= cutAt)).toEqual([]);
  const during = (await store.getServer("gs-cut"))!;
  expect(during.epoch).toBe(epoch);
  // Its reports still arrive (it writes them); its stream is gone, so it takes no new rooms meanwhile.
  expect(Number(during.lastReportTime!.seconds) * 1000).toBeGreaterThanOrEqual(cutAt + REPORT_MS * MISSED - 1000);
  expect((await store.getRoom(r.roomId))?.serverId).toBe("gs-cut");

  // The cut was silent and shorter than the stream's keepalive: once it heals, the same life goes on.
  partition.heal();
  const fresh = await gw.createRoom({ region: "cut" });
  expect(fresh.serverId).toBe("gs-cut");
  expect((await store.getServer("gs-cut"))!.epoch).toBe(epoch);
  cy.player.broadcast(new Uint8Array([10]));
  expect((await d.player.next("message")).frame.value.payload).toEqual(new Uint8Array([10]));
  await cy.player.leave();
  await d.player.leave();
}, 60_000);

async function roomsOn(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { rooms: number }).rooms;
}

function registrations(id: string) {
  return env.cluster.managers.flatMap((m) =>
    m.proc.lines.filter((l) => l.msg === "game server registered" && l.serverId === id),
  );
}
