import { create } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import { ClusterEventKind, ClusterEventSchema } from "../../../gen/roomgate/v1/gateway_pb.js";
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

// Cluster events wait EVENT_FLUSH_MS for others and go out in one script call: a Gateway and a
// game server each publish one per room. Redis's MONITOR shows the calls that name a test's keys,
// in the order Redis ran them, so a command sent after the events marks the end of theirs.
describe("the Redis store's cluster events", () => {
  let monitor: Awaited<ReturnType<Redis["monitor"]>>;
  let admin: Redis;
  let seen: string[][];
  let waiters: { match: (args: string[]) => boolean; done: () => void }[];
  beforeEach(async () => {
    seen = [];
    waiters = [];
    admin = new Redis(redisUrl());
    monitor = await admin.monitor();
    monitor.on("monitor", (_time: string, args: string[]) => {
      seen.push(args);
      for (const w of [...waiters]) {
        if (!w.match(args)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
    });
  });
  afterEach(() => {
    monitor.disconnect();
    admin.disconnect();
  });

  const event = (roomId: string) => create(ClusterEventSchema, { kind: ClusterEventKind.ROOM_REMOVED, roomId });

  /** The script calls that published events under `prefix`, once Redis has run everything sent before this. */
  async function publishCalls(prefix: string): Promise<number> {
    const marker = `${prefix}marker`;
    const reported = new Promise<void>((done) => waiters.push({ match: (a) => a.includes(marker), done }));
    const other = new Redis(redisUrl());
    await other.exists(marker);
    other.disconnect();
    await reported;
    // The script's own commands show too (LPUSH, ...): only the calls count.
    const call = (a: string[]) => /^eval(sha)?$/i.test(a[0] ?? "");
    return seen.filter((a) => call(a) && a.includes(`${prefix}events:recent`)).length;
  }

  /**
   * Three events, each published in a turn of the event loop of its own, by a store with this
   * flush window; once all went out (in order), the script calls that carried them.
   */
  async function threeTurns(eventFlushMs: number): Promise<number> {
    const prefix = uniquePrefix("turns");
    const store = new RedisStore({ redis: redisUrl(), keyPrefix: prefix, eventFlushMs });
    try {
      const sent: Promise<void>[] = [];
      for (const id of ["r1", "r2", "r3"]) {
        sent.push(store.publishEvent(event(id)));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(sent);
      expect((await store.recentEvents()).map((e) => e.roomId)).toEqual(["r1", "r2", "r3"]);
    } finally {
      await store.close();
    }
    return publishCalls(prefix);
  }

  test("events published within the flush window go out in one call, in order; with no window, one call per turn", async () => {
    // Redis has the script by then: no NOSCRIPT answer (and EVAL of the source) in what is counted.
    const warm = new RedisStore({ redis: redisUrl(), keyPrefix: uniquePrefix("warm"), eventFlushMs: 0 });
    await warm.publishEvent(event("warm"));
    await warm.close();
    expect(await threeTurns(200)).toBe(1);
    expect(await threeTurns(0)).toBe(3);
  });

  test("events still waiting go out when the store closes", async () => {
    const prefix = uniquePrefix("closing");
    const store = new RedisStore({ redis: redisUrl(), keyPrefix: prefix, eventFlushMs: 60_000 });
    const sent = store.publishEvent(event("last"));
    await store.close();
    await sent;
    const reader = new RedisStore({ redis: redisUrl(), keyPrefix: prefix });
    try {
      expect((await reader.recentEvents()).map((e) => e.roomId)).toEqual(["last"]);
    } finally {
      await reader.close();
    }
  });
});
