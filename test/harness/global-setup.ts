import { startRedis } from "../../testkit/redis-server";

// Runs once before all test files: a private redis-server unless REDIS_URL names one. Workers
// are started after this and inherit process.env.
export default async function globalSetup() {
  if (process.env.REDIS_URL) return;
  const redis = await startRedis();
  process.env.REDIS_URL = redis.url;
  (globalThis as { __ROOMGATE_REDIS__?: unknown }).__ROOMGATE_REDIS__ = redis;
}
