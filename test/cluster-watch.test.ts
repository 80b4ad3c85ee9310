import { Code, ConnectError } from "@connectrpc/connect";
import { RoomVisibility } from "../gen/roomgate/v1/common_pb.js";
import { ClusterEventKind, type WatchClusterResponse } from "../gen/roomgate/v1/gateway_pb.js";
import { AS_OPERATOR, gatewayClient, Player } from "../testkit/client";
import { nextEvent } from "../testkit/next-event";
import { startCluster } from "./harness/cluster";

// The dashboard's feed: a server stream from the Gateway, pushed by events from the Manager
// through the store, across processes; for the operator alone, and without private room ids.

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("watch", { gateways: 2, gameServers: 2 });
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

/** Reads the stream in the background; `until` resolves with the first response that matches. */
function watch(url: string, protocol: "connect" | "grpc-web" | "grpc", recentEvents = false) {
  const abort = new AbortController();
  const seen: WatchClusterResponse[] = [];
  const waiters: { match: (r: WatchClusterResponse) => boolean; resolve: (r: WatchClusterResponse) => void }[] = [];
  const done = (async () => {
    try {
      for await (const res of gatewayClient(url, protocol).watchCluster(
        { maxIntervalMs: 60_000, recentEvents },
        { ...AS_OPERATOR, signal: abort.signal },
      )) {
        seen.push(res);
        for (const w of [...waiters]) {
          if (!w.match(res)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(res);
        }
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
  })();
  return {
    seen,
    until(match: (r: WatchClusterResponse) => boolean, ms = 5000) {
      const hit = seen.find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise<WatchClusterResponse>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no matching snapshot")), ms);
        waiters.push({
          match,
          resolve: (r) => {
            clearTimeout(t);
            resolve(r);
          },
        });
      });
    },
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

test("a watcher sees the servers, then a room's allocation and its clean-up as they happen", async () => {
  // gRPC-Web on one Gateway, while the room is made through the other: events cross processes.
  const w = watch(env.cluster.gatewayUrl(1), "grpc-web");
  try {
    const first = await w.until(() => true);
    expect(first.servers.map((s) => s.id).sort()).toEqual(env.cluster.gameServers.map((g) => g.id).sort());
    const gw = gatewayClient(env.cluster.gatewayUrl(0));
    const r = await gw.createRoom({ maxPlayers: 3, visibility: RoomVisibility.PUBLIC, mode: "watch" });
    const allocated = await w.until((s) =>
      s.events.some((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED && e.roomId === r.roomId),
    );
    expect(allocated.rooms.find((x) => x.roomId === r.roomId)).toMatchObject({ serverId: r.serverId, maxPlayers: 3 });
    expect(allocated.totalRooms).toBeGreaterThanOrEqual(1);

    const p = await Player.join(r.serverAddress, r.roomId, r.joinToken);
    await p.player.leave();
    const removed = await w.until((s) =>
      s.events.some((e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === r.roomId),
    );
    expect(removed.rooms.find((x) => x.roomId === r.roomId)).toBeUndefined();
    expect(removed.events.find((e) => e.roomId === r.roomId && e.kind === ClusterEventKind.ROOM_REMOVED)!.detail).toBe(
      "empty",
    );
    // Pushed, not polled: with a 60 s interval, every snapshot after the first came from an event.
    expect(w.seen.length).toBeLessThan(10);
  } finally {
    await w.stop();
  }
});

test("an anonymous client gets unauthenticated, not the cluster (issue 10)", async () => {
  const err = await (async () => {
    for await (const _ of gatewayClient(env.cluster.gatewayUrl(0), "grpc").watchCluster({})) return undefined;
  })().catch((e: unknown) => ConnectError.from(e));
  expect(err?.code).toBe(Code.Unauthenticated);
});

test("even the operator never sees a private room's id: not in rooms, not in events (issue 10)", async () => {
  const w = watch(env.cluster.gatewayUrl(1), "connect");
  try {
    await w.until(() => true);
    const gw = gatewayClient(env.cluster.gatewayUrl(0));
    const hidden = await gw.createRoom({ maxPlayers: 2 });
    const p = await Player.join(hidden.serverAddress, hidden.roomId, hidden.joinToken);
    const listed = await w.until((s) => s.rooms.some((r) => r.serverId === hidden.serverId && r.roomId === ""));
    expect(listed.rooms.find((r) => r.roomId === "")).toMatchObject({ maxPlayers: 2, playerCount: 1 });
    await p.player.leave();
    await w.until((s) =>
      s.events.some((e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.serverId === hidden.serverId),
    );
    const allocated = w.seen.flatMap((s) => s.events).filter((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED);
    expect(allocated.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(w.seen, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(hidden.roomId);
  } finally {
    await w.stop();
  }
});

test("a watcher opened after a room was made starts with its allocation, once, when it asks for recent events", async () => {
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  // This file's cluster makes one room at a time: the next allocation announced is this room's.
  const allocation = await nextEvent(env.store, (e) => e.kind === ClusterEventKind.ROOM_ALLOCATED);
  const r = await gw.createRoom({ maxPlayers: 2, visibility: RoomVisibility.PUBLIC, mode: "late" });
  const p = await Player.join(r.serverAddress, r.roomId, r.joinToken);
  // Announced, not only made: a process sends its events within EVENT_FLUSH_MS of publishing them.
  expect((await allocation.event).roomId).toBe(r.roomId);
  const allocatedHere = (s: WatchClusterResponse) =>
    s.events.filter((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED && e.roomId === r.roomId);
  // Through the other Gateway (and, across processes, the store's history): the room is listed,
  // and so is the event that made it, though both happened before the watch.
  const late = watch(env.cluster.gatewayUrl(1), "connect", true);
  const plain = watch(env.cluster.gatewayUrl(1), "connect");
  try {
    const first = await late.until(() => true);
    expect(allocatedHere(first)).toHaveLength(1);
    expect(allocatedHere(first)[0]).toMatchObject({ serverId: r.serverId });
    // Oldest first, as the events of any snapshot.
    const times = first.events.map((e) => Number(e.time!.seconds) * 1e9 + e.time!.nanos);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(first.rooms.find((x) => x.roomId === r.roomId)).toMatchObject({ mode: "late" });
    // Without asking, a watch starts empty, as before.
    expect((await plain.until(() => true)).events).toEqual([]);

    await p.player.leave();
    await late.until((s) => s.events.some((e) => e.kind === ClusterEventKind.ROOM_REMOVED && e.roomId === r.roomId));
    expect(late.seen.flatMap(allocatedHere)).toHaveLength(1);
  } finally {
    await late.stop();
    await plain.stop();
  }
});

test("the watch counts this Gateway's quick-joins and listings over the last minute", async () => {
  const activityNow = async () => {
    const w = watch(env.cluster.gatewayUrl(0), "connect");
    try {
      return (await w.until(() => true)).activity!;
    } finally {
      await w.stop();
    }
  };
  const before = await activityNow();
  expect(before.windowMs).toBe(60_000);
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const made = await gw.joinOrCreate({ mode: "activity", maxPlayers: 2 });
  expect(made.created).toBe(true);
  const seated = await gw.joinOrCreate({ mode: "activity", maxPlayers: 2 });
  expect(seated.created).toBe(false);
  const listed = await gw.listRooms({ mode: "activity", includeFull: true });
  expect(listed.rooms).toHaveLength(1);
  // A quick-join the rules refuse counts as failed.
  await expect(gw.joinOrCreate({ mode: "" })).rejects.toThrow();
  const after = await activityNow();
  expect(after.quickJoinsCreated - before.quickJoinsCreated).toBe(1);
  expect(after.quickJoinsJoined - before.quickJoinsJoined).toBe(1);
  expect(after.quickJoinsFailed - before.quickJoinsFailed).toBe(1);
  expect(after.listings - before.listings).toBe(1);
  expect(after.roomsListed - before.roomsListed).toBe(1);
  // The other Gateway counted none of it.
  const other = watch(env.cluster.gatewayUrl(1), "connect");
  try {
    expect((await other.until(() => true)).activity).toMatchObject({ quickJoinsCreated: 0, listings: 0 });
  } finally {
    await other.stop();
  }
});
