import { Redis } from "ioredis";
import { RedisStore } from "../redis-store.js";
import { redisUrl, uniquePrefix } from "../../../testkit/test-redis.js";

// A channel is subscribed once something listens to it: a Manager, which listens only to the bus,
// is not sent every cluster event (two per room) to read and drop.

describe("the Redis store's subscriber connection", () => {
  let store: RedisStore;
  let admin: Redis;
  let prefix: string;
  beforeEach(() => {
    prefix = uniquePrefix("channels");
    store = new RedisStore({ redis: redisUrl(), keyPrefix: prefix });
    admin = new Redis(redisUrl());
  });
  afterEach(async () => {
    await store.close();
    admin.disconnect();
  });

  const subscribers = async () => {
    const counts = (await admin.pubsub("NUMSUB", `${prefix}events`, `${prefix}bus`)) as (string | number)[];
    return { events: Number(counts[1]), bus: Number(counts[3]) };
  };

  test("subscribes the events channel only once events have a listener", async () => {
    const offBus = await store.subscribeBus(() => {});
    expect(await subscribers()).toEqual({ events: 0, bus: 1 });
    const offEvents = await store.subscribeEvents(() => {});
    const offEvents2 = await store.subscribeEvents(() => {});
    // Still one connection, each channel subscribed once.
    expect(await subscribers()).toEqual({ events: 1, bus: 1 });
    offBus();
    offEvents();
    offEvents2();
  });
});
