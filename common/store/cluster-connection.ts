import { Cluster } from "ioredis";
import type { Logger } from "../log.js";
import { type ConnectionLimits, failFastOptions, superviseConnection } from "./redis-connection.js";

// A Redis Cluster client with the single-Redis connection's behaviour (fail fast while a node is
// unreachable, reconnect forever), from `redis+cluster://host:port,host:port` or from a plain
// redis:// URL naming any one node.

const CLUSTER_SCHEME = "redis+cluster:";
/** How stale the client's map of which master serves which slot may get. */
const SLOTS_REFRESH_MS = 1000;

export function namesCluster(url: string): boolean {
  return url.startsWith(`${CLUSTER_SCHEME}//`);
}

/** The seed nodes a URL names; ioredis learns the rest from them. */
export function clusterNodes(url: string): { host: string; port: number }[] {
  const rest = url.replace(/^[a-z+]+:\/\//, "").replace(/\/.*$/, "");
  const nodes = rest
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const at = hp.lastIndexOf("@");
      const bare = at >= 0 ? hp.slice(at + 1) : hp;
      const colon = bare.lastIndexOf(":");
      const port = colon >= 0 ? Number(bare.slice(colon + 1)) : 6379;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad Redis Cluster node ${hp}`);
      return { host: colon >= 0 ? bare.slice(0, colon) : bare, port };
    });
  if (nodes.length === 0) throw new RangeError(`no Redis Cluster node in ${url}`);
  return nodes;
}

export function connectCluster(url: string, o: ConnectionLimits & { log?: Logger } = {}): Cluster {
  const { retryStrategy, enableOfflineQueue: _queue, ...node } = failFastOptions(o);
  const cluster = new Cluster(clusterNodes(url), {
    redisOptions: node,
    // Off: ioredis groups auto-pipelined commands by their first argument, which for a script is
    // its key count, not its key, so scripts of different nodes would share a pipeline
    // (redis/ioredis#2109).
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    // A master's death: its replica is promoted within the cluster's node timeout; commands in
    // between fail fast and callers answer `unavailable`.
    clusterRetryStrategy: retryStrategy as (times: number) => number,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    maxRedirections: 4,
    slotsRefreshTimeout: 2000,
  });
  // ioredis re-reads the slot map on a MOVED answer, which a dead master never sends: without a
  // look of our own, commands for its slots fail until something else refreshes the map, long
  // after its replica took over (44 s seen in a loaded test run). Every SLOTS_REFRESH_MS, and at
  // once when a node fails; on a timer that never holds the process open (ioredis's own
  // slotsRefreshInterval timer does, even after quit).
  let refreshing = false;
  const refresh = () => {
    if (refreshing || cluster.status === "end") return;
    refreshing = true;
    (cluster as unknown as { refreshSlotsCache(cb: () => void): void }).refreshSlotsCache(() => {
      refreshing = false;
    });
  };
  const timer = setInterval(refresh, SLOTS_REFRESH_MS).unref();
  cluster.once("end", () => clearInterval(timer));
  cluster.on("node error", refresh);
  superviseConnection(cluster, o.log, "commands");
  return cluster;
}
