import { Redis } from "ioredis";
import { RedisStore } from "../redis-store.js";
import { registry } from "../../metrics/registry.js";
import { reg } from "../../../testkit/store-contract.js";
import { redisUrl, uniquePrefix } from "../../../testkit/test-redis.js";

// The store runs its scripts by EVALSHA, and sends a script's source only when Redis lacks it (a
// restarted Redis, or one whose script cache was flushed): the call still succeeds, once, and is
// not counted as a failed command.

async function failedEvalshas(): Promise<number> {
  const metric = await registry.getSingleMetric("roomgate_redis_command_errors_total")?.get();
  return metric?.values.find((v) => v.labels.command === "evalsha")?.value ?? 0;
}

test("a script Redis no longer has is sent again with its source, and counts as no failure", async () => {
  const store = new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("scripts") });
  const admin = new Redis(redisUrl());
  try {
    await store.registerServer(reg("a"));
    const before = await failedEvalshas();
    await admin.script("FLUSH");
    const b = await store.registerServer(reg("b"));
    expect(b.epoch).toBeGreaterThan(0);
    expect(await store.getServer("b")).toMatchObject({ id: "b" });
    expect(await failedEvalshas()).toBe(before);
    // Cached again by that EVAL: the next call is an EVALSHA that Redis answers.
    const stats = (await admin.info("commandstats")).match(/cmdstat_evalsha:calls=(\d+)/);
    expect(Number(stats?.[1])).toBeGreaterThan(0);
  } finally {
    await store.close();
    admin.disconnect();
  }
});
