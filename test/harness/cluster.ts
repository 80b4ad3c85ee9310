import { randomBytes } from "node:crypto";
import { Cluster, type ClusterOptions } from "../../testkit/cluster";
import { RedisStore } from "../../common/store/redis-store";
import { CellStore } from "../../common/store/cells/cell-store";
import { connectCluster, namesCluster } from "../../common/store/cluster-connection";
import { redisClusterUrl } from "../../testkit/test-redis";
import { redisUrl, uniquePrefix } from "./state";

/**
 * The run's Redis, or its Redis Cluster when ROOMGATE_TEST_STORE=cluster (`make test-cluster`
 * runs the integration suites that way).
 */
export function defaultStoreUrl(): string {
  const which = process.env.ROOMGATE_TEST_STORE ?? "redis";
  if (which === "cluster") return redisClusterUrl();
  if (which !== "redis") throw new Error(`ROOMGATE_TEST_STORE is redis or cluster, not ${which}`);
  return redisUrl();
}

/** A store over the keys the processes use: a cell store when the URL names a Redis Cluster. */
export function storeView(url: string, keyPrefix: string): RedisStore | CellStore {
  return namesCluster(url)
    ? new CellStore({ redis: connectCluster(url), keyPrefix })
    : new RedisStore({ redis: url, keyPrefix });
}

/**
 * A cluster of separate processes on the test run's Redis (or on the Redis Cluster that
 * `redisUrl` names), with a store view of its keys.
 */
export async function startCluster(name: string, o: Partial<ClusterOptions> = {}) {
  const keyPrefix = uniquePrefix(name);
  const url = o.redisUrl ?? defaultStoreUrl();
  const cluster = new Cluster({
    redisUrl: url,
    keyPrefix,
    secret: randomBytes(24).toString("base64url"),
    gateways: 1,
    gameServers: 1,
    ...o,
    // Debug lines let tests await a room's removal ("room closed", "removed an ended room from
    // the store") instead of polling for it.
    managerEnv: { LOG_LEVEL: "debug", ...o.managerEnv },
    gameServerEnv: { LOG_LEVEL: "debug", ...o.gameServerEnv },
  });
  const store = storeView(url, keyPrefix);
  try {
    await cluster.start();
  } catch (e) {
    await cluster.stop(2000);
    await store.close();
    throw e;
  }
  return {
    cluster,
    store,
    async stop() {
      await cluster.stop();
      await store.close();
    },
  };
}

/** Starts a game server with `extra` env and resolves once the first Manager has registered it. */
export async function startRegisteredGameServer(cluster: Cluster, id: string, extra: Record<string, string>) {
  const gs = await cluster.startGameServer(id, extra);
  await cluster.manager.proc.waitFor(
    (l) => l.msg === "game server registered" && l.serverId === id,
    15_000,
    `${id} registered`,
  );
  return gs;
}

/** Everyone leaves; resolves once each of their rooms is removed from the store. */
export async function leaveAll(cluster: Cluster, players: { roomId: string; leave(): Promise<unknown> }[]) {
  const closed = [...new Set(players.map((p) => p.roomId))].map((id) => roomRemoved(cluster, id));
  await Promise.all(players.map((p) => p.leave()));
  await Promise.all(closed);
}

export function roomClosedLine(roomId: string) {
  return (l: { msg: string; roomId?: unknown }) => l.msg === "room closed" && l.roomId === roomId;
}

/**
 * Resolves once the room is removed from the store: by the game server it ended on (which then
 * tells no Manager), or by a Manager (a room nobody joined, or one its server could not remove).
 */
export function roomRemoved(cluster: Cluster, roomId: string, timeoutMs = 10_000) {
  // A game server's own "room closed" line comes before its removal: only a Manager's means removed.
  const by = (msg: string) => (l: { msg: string; roomId?: unknown }) => l.msg === msg && l.roomId === roomId;
  // One process removes it: the others' waits end with it (each holds a listener on its process).
  const settled = new AbortController();
  const what = `room ${roomId} removed`;
  const waits = [
    ...cluster.managers.map((m) => m.proc.waitFor(by("room closed"), timeoutMs, what, settled.signal)),
    ...cluster.gameServers.map((g) =>
      g.proc.waitFor(by("removed an ended room from the store"), timeoutMs, what, settled.signal),
    ),
  ];
  return Promise.any(waits)
    .catch((e: AggregateError) => {
      throw e.errors[0];
    })
    .finally(() => settled.abort());
}
