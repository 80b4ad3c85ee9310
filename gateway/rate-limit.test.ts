import { Redis } from "ioredis";
import { clientAddress } from "./client-address";
import type { HttpRequest } from "./http-types";
import { CallerRateLimit, ConcurrencyLimit, type LimiterStore } from "./rate-limit";
import { redisUrl, uniquePrefix } from "../testkit/test-redis";

// The per-caller limits over both places they count: this process's memory (`up`) and a real
// Redis, where two limiters stand for two Gateways. Every assertion runs well inside one window.

describe.each([
  ["memory", () => ({ store: { keyPrefix: uniquePrefix("rl") } as LimiterStore, close: async () => {} })],
  [
    "Redis",
    () => {
      const redis = new Redis(redisUrl());
      return { store: { redis, keyPrefix: uniquePrefix("rl") } as LimiterStore, close: () => redis.quit() };
    },
  ],
])("CallerRateLimit in %s", (_name, make) => {
  let env: ReturnType<typeof make>;
  beforeEach(async () => {
    env = make();
    await env.store.redis?.ping();
  });
  afterEach(() => env.close());

  test("a burst, then refusals that say when to retry; another caller has its own count", async () => {
    const limit = new CallerRateLimit("create", { perSecond: 2, burst: 5 }, env.store);
    const takes = [];
    for (let i = 0; i < 6; i++) takes.push(await limit.take("addr:a"));
    expect(takes.slice(0, 5).every((t) => t.ok)).toBe(true);
    const refused = takes[5]!;
    expect(refused.ok).toBe(false);
    // The steady window (1 s) comes round first.
    if (!refused.ok) expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    expect((await limit.take("addr:b")).ok).toBe(true);
  });

  test("without a burst above the rate, the rate alone; 0 is no limit", async () => {
    const limit = new CallerRateLimit("join", { perSecond: 3, burst: 0 }, env.store);
    const oks = [];
    for (let i = 0; i < 5; i++) oks.push((await limit.take("addr:a")).ok);
    expect(oks).toEqual([true, true, true, false, false]);
    const off = new CallerRateLimit("read", { perSecond: 0, burst: 10 }, env.store);
    expect(off.enabled).toBe(false);
    for (let i = 0; i < 100; i++) expect((await off.take("addr:a")).ok).toBe(true);
  });

  test("limiters on one store share each caller's count (two Gateways on one Redis); memory ones do not", async () => {
    const one = new CallerRateLimit("create", { perSecond: 2, burst: 2 }, env.store);
    const two = new CallerRateLimit("create", { perSecond: 2, burst: 2 }, env.store);
    const oks = [(await one.take("addr:a")).ok, (await two.take("addr:a")).ok, (await two.take("addr:a")).ok];
    expect(oks).toEqual(env.store.redis ? [true, true, false] : [true, true, true]);
  });
});

test("while Redis does not answer, each Gateway counts in its own memory", async () => {
  // A client that never reaches Redis: nothing listens on port 1.
  const redis = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  const limit = new CallerRateLimit("create", { perSecond: 2, burst: 2 }, { redis, keyPrefix: uniquePrefix("rl") });
  const oks = [];
  for (let i = 0; i < 3; i++) oks.push((await limit.take("addr:a")).ok);
  expect(oks).toEqual([true, true, false]);
  redis.disconnect();
});

test("ConcurrencyLimit: slots per client, released once", () => {
  const l = new ConcurrencyLimit(2);
  const r1 = l.acquire("a")!;
  const r2 = l.acquire("a")!;
  expect(l.acquire("a")).toBeUndefined();
  expect(l.acquire("b")).toBeDefined();
  r1();
  r1();
  expect(l.acquire("a")).toBeDefined();
  expect(l.acquire("a")).toBeUndefined();
  r2();
  expect(new ConcurrencyLimit(0).acquire("a")).toBeDefined();
});

describe("clientAddress", () => {
  const req = (remoteAddress: string, xff?: string) =>
    ({ headers: xff ? { "x-forwarded-for": xff } : {}, socket: { remoteAddress } }) as unknown as HttpRequest;

  test("the peer address, IPv4-mapped IPv6 as IPv4, IPv6 per /64", () => {
    expect(clientAddress(req("127.0.0.1"), 0)).toBe("127.0.0.1");
    expect(clientAddress(req("::ffff:10.1.2.3"), 0)).toBe("10.1.2.3");
    expect(clientAddress(req("2001:db8:aa:bb:1:2:3:4"), 0)).toBe("2001:db8:aa:bb::/64");
    expect(clientAddress(req("2001:db8:aa:bb::9"), 0)).toBe("2001:db8:aa:bb::/64");
    expect(clientAddress(req("::1"), 0)).toBe("0:0:0:0::/64");
  });

  test("X-Forwarded-For only when trusted, read from the right through the trusted hops", () => {
    expect(clientAddress(req("10.0.0.1", "203.0.113.7, 10.0.0.9"), 0)).toBe("10.0.0.1");
    expect(clientAddress(req("10.0.0.1", "203.0.113.7, 10.0.0.9"), 1)).toBe("10.0.0.9");
    expect(clientAddress(req("10.0.0.1", "203.0.113.7, 10.0.0.9"), 2)).toBe("203.0.113.7");
    expect(clientAddress(req("10.0.0.1", "[2001:db8::1]:4711"), 1)).toBe("2001:db8:0:0::/64");
    expect(clientAddress(req("10.0.0.1"), 1)).toBe("10.0.0.1");
  });

  test("a client cannot pick its own address by writing the leftmost X-Forwarded-For entry", () => {
    // The client sent "X-Forwarded-For: 1.2.3.4"; the one trusted proxy appended the address it saw.
    for (let i = 0; i < 3; i++)
      expect(clientAddress(req("10.0.0.1", `${i}.2.3.4, 198.51.100.20`), 1)).toBe("198.51.100.20");
    // Behind two proxies, the outer one's entry; and headers sent twice count as one list.
    expect(clientAddress(req("10.0.0.1", "6.6.6.6, 198.51.100.20, 10.0.0.5"), 2)).toBe("198.51.100.20");
    const twice = {
      headers: { "x-forwarded-for": ["6.6.6.6", "198.51.100.20"] },
      socket: { remoteAddress: "10.0.0.1" },
    } as unknown as HttpRequest;
    expect(clientAddress(twice, 1)).toBe("198.51.100.20");
  });
});
