import { create } from "@bufbuild/protobuf";
import { ClusterEventKind, ClusterEventSchema, type ClusterEvent } from "../../gen/roomgate/v1/gateway_pb.js";
import { type RedisProcess, startRedis } from "../../testkit/redis-server";
import { RedisStore } from "./redis-store";

// The Redis store's connection while its redis-server goes away and comes back: calls fail fast
// and are never replayed, the client reconnects by itself, events flow again, and (with the
// append-only file) nothing acknowledged is lost across a restart.

let redis: RedisProcess;
let store: RedisStore;

beforeAll(async () => {
  redis = await startRedis({ appendfsync: "always" });
  store = new RedisStore({ redis: redis.url, keyPrefix: "o:", commandTimeoutMs: 300, reconnectMaxDelayMs: 200 });
});

afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("down: calls fail at once and never run later; back: it reconnects, keeps its data and its subscription", async () => {
  const events: ClusterEvent[] = [];
  await store.subscribeEvents((e) => events.push(e));
  await store.redis.set("o:kept", "1");

  await redis.halt("SIGTERM");
  await until(async () => (store.redis.status === "ready" ? undefined : true), 2000);
  const t0 = Date.now();
  await expect(store.getRoom("AAAAAAAAAAAAAAAAAAAAAA")).rejects.toThrow();
  await expect(store.redis.set("o:written-while-down", "1")).rejects.toThrow();
  await expect(
    store.publishEvent(create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_ALLOCATED })),
  ).rejects.toThrow();
  expect(Date.now() - t0).toBeLessThan(300);

  await redis.restart();
  await until(() => store.redis.get("o:kept"), 3000);
  expect(await store.redis.get("o:kept")).toBe("1");
  expect(await store.redis.get("o:written-while-down")).toBeNull();
  // The subscriber connection subscribed again on its own.
  await until(async () => {
    await store.publishEvent(create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_REMOVED, detail: "after" }));
    return events.find((e) => e.detail === "after");
  }, 3000);
  expect(events.some((e) => e.kind === ClusterEventKind.ROOM_ALLOCATED)).toBe(false);
});

test("a first subscription that fails while Redis is down is tried again by the next caller", async () => {
  const fresh = new RedisStore({ redis: redis.url, keyPrefix: "o2:", commandTimeoutMs: 300, reconnectMaxDelayMs: 200 });
  try {
    await fresh.redis.ping();
    await redis.halt("SIGTERM");
    await expect(fresh.subscribeEvents(() => {})).rejects.toThrow();
    await redis.restart();
    const seen: ClusterEvent[] = [];
    await until(() => fresh.subscribeEvents((e) => seen.push(e)), 3000);
    await until(async () => {
      await fresh.publishEvent(create(ClusterEventSchema, { detail: "hello" }));
      return seen.find((e) => e.detail === "hello");
    }, 3000);
  } finally {
    await fresh.close();
  }
});
