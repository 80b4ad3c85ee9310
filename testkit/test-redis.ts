// The shared Redis of a jest run (started by test/harness/global-setup.ts) and key prefixes that
// keep tests apart on it.

import { randomBytes } from "node:crypto";

/** The Redis URL of this test run; throws, never skips, when there is none. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error("no Redis for this test run: global setup did not start one and REDIS_URL is unset");
  return url;
}

/** The Redis Cluster of this test run (3 masters, 3 replicas); throws, never skips, when there is none. */
export function redisClusterUrl(): string {
  const url = process.env.REDIS_CLUSTER_URL;
  if (!url)
    throw new Error(
      "no Redis Cluster for this test run: global setup did not start one and REDIS_CLUSTER_URL is unset",
    );
  return url;
}

/** A key prefix of its own for each test, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(name: string): string {
  return `t:${name}:${randomBytes(4).toString("hex")}:`;
}
