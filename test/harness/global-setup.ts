import { startRedisCluster } from "../../testkit/redis-cluster";
import { startRedis } from "../../testkit/redis-server";

// Runs once before all test files: a private redis-server unless REDIS_URL names one, and a
// private Redis Cluster (3 masters, 3 replicas) unless REDIS_CLUSTER_URL names one. Workers are
// started after this and inherit process.env.
export default async function globalSetup() {
  const g = globalThis as { __ROOMGATE_REDIS__?: unknown; __ROOMGATE_REDIS_CLUSTER__?: unknown };
  if (!process.env.REDIS_URL) {
    const redis = await startRedis();
    process.env.REDIS_URL = redis.url;
    g.__ROOMGATE_REDIS__ = redis;
  }
  if (!process.env.REDIS_CLUSTER_URL) {
    const cluster = await startRedisCluster();
    process.env.REDIS_CLUSTER_URL = cluster.url;
    g.__ROOMGATE_REDIS_CLUSTER__ = cluster;
  }
}
