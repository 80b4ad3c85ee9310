import { clientAddress } from "./client-address";
import type { HttpRequest } from "./http-types";
import { ConcurrencyLimit, TokenBuckets } from "./rate-limit";

// The buckets take their clock as a parameter, so refills are checked at exact instants.

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TokenBuckets", () => {
  test("a burst, then the rate; the refusal says when the next token comes", () => {
    const c = clock();
    const b = new TokenBuckets({ perSecond: 2, burst: 3 }, 100, c.now);
    expect([b.take("a"), b.take("a"), b.take("a")].every((r) => r.ok)).toBe(true);
    expect(b.take("a")).toEqual({ ok: false, retryAfterMs: 500 });
    c.advance(250);
    expect(b.take("a")).toEqual({ ok: false, retryAfterMs: 250 });
    c.advance(250);
    expect(b.take("a").ok).toBe(true);
    expect(b.take("a").ok).toBe(false);
    // Another client has its own bucket.
    expect(b.take("b").ok).toBe(true);
  });

  test("a quiet spell refills up to the burst, never past it", () => {
    const c = clock();
    const b = new TokenBuckets({ perSecond: 10, burst: 2 }, 100, c.now);
    b.take("a");
    b.take("a");
    c.advance(60_000);
    expect([b.take("a"), b.take("a"), b.take("a")].map((r) => r.ok)).toEqual([true, true, false]);
  });

  test("0 per second is no limit", () => {
    const b = new TokenBuckets({ perSecond: 0, burst: 0 }, 1);
    for (let i = 0; i < 1000; i++) expect(b.take(`c${i % 3}`).ok).toBe(true);
    expect(b.size).toBe(0);
  });

  test("memory is bounded: refilled buckets go, and past the cap the least recently seen", () => {
    const c = clock();
    const b = new TokenBuckets({ perSecond: 1, burst: 1 }, 3, c.now);
    for (const id of ["a", "b", "c", "d", "e"]) b.take(id);
    expect(b.size).toBe(3);
    // "a" was forgotten (its next call is allowed); "e" was not.
    expect(b.take("a").ok).toBe(true);
    expect(b.take("e").ok).toBe(false);
    c.advance(10_000);
    // Every bucket has refilled: each call sweeps a couple of them.
    for (let i = 0; i < 3; i++) b.take("z");
    expect(b.size).toBeLessThanOrEqual(2);
  });
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
