import type { Cluster, Redis } from "ioredis";

/** One Redis, or a Redis Cluster (whose keys of one call then share a hash tag: see ../cells/). */
export type RedisClient = Redis | Cluster;
