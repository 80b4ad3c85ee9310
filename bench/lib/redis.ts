import { Redis } from "ioredis";

// The benchmarks' own Redis connections (admin, baseline loops, polling), apart from the store's.

export function redisClient(url: string): Redis {
  // Fail fast rather than queue: a benchmark that waits on a dead Redis only measures the wait.
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  // Connection trouble reaches the caller through the failing command; this only keeps ioredis
  // from also printing it as an unhandled error event.
  r.on("error", () => {});
  return r;
}
