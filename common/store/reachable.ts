import { Cluster, Redis } from "ioredis";

/**
 * Whether the store answers now, without a round trip (probes call it often): a Redis store's
 * command connection is up; the embedded store always is.
 */
export function storeReachable(store: object): () => boolean {
  const redis = (store as { redis?: unknown }).redis;
  return redis instanceof Redis || redis instanceof Cluster ? () => redis.status === "ready" : () => true;
}
