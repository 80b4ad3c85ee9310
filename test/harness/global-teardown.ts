export default async function globalTeardown() {
  const redis = (globalThis as { __ROOMGATE_REDIS__?: { stop(): Promise<void> } }).__ROOMGATE_REDIS__;
  if (redis) await redis.stop();
}
