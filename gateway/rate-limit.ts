import type { Cluster, Redis } from "ioredis";
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

// Per-caller rate limits at the Gateway (rate-limiter-flexible), and a cap on concurrent
// long-lived calls. With Redis the counters are shared by every Gateway, so a client spreading
// its calls over them gets no more; `up` and Gateways without Redis count in memory.

export interface RateLimit {
  /** Calls per second; 0 turns the limit off. */
  perSecond: number;
  /** Calls a client may make at once after a quiet spell (at least perSecond). */
  burst: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

/** Where the counters live: the Redis every Gateway shares, or (no redis) this process's memory. */
export interface LimiterStore {
  redis?: Redis | Cluster;
  keyPrefix: string;
}

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
}

/**
 * One kind of call's limit: `perSecond` calls in each second, and `burst - perSecond` more spread
 * over the next `burst / perSecond` seconds (the library's BurstyRateLimiter), so a client that
 * has been quiet may make `burst` calls at once and a steady one no more than perSecond, give or
 * take the burst. One round trip to Redis per call, two past the steady rate. Past both, a caller
 * is refused from memory until the window ends, so a flood costs Redis nothing. When Redis does
 * not answer, each Gateway counts in memory meanwhile (its insurance limiter).
 */
export class CallerRateLimit {
  private readonly limiter?: Limiter;

  constructor(name: string, limit: RateLimit, store: LimiterStore) {
    if (limit.perSecond <= 0) return;
    const rate = Math.max(1, Math.floor(limit.perSecond));
    const extra = Math.max(0, Math.floor(limit.burst) - rate);
    const steady = counter(store, name, rate, 1);
    this.limiter =
      extra > 0
        ? new BurstyRateLimiter(steady, counter(store, `${name}:burst`, extra, Math.ceil((rate + extra) / rate)))
        : steady;
  }

  get enabled() {
    return this.limiter !== undefined;
  }

  /** Counts one call of the caller, or says how long until it may call again. */
  async take(caller: string): Promise<Take> {
    if (!this.limiter) return { ok: true };
    try {
      await this.limiter.consume(caller);
      return { ok: true };
    } catch (e) {
      if (e instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, e.msBeforeNext) };
      // Neither Redis nor the memory insurance answered: the call goes on (what it needs from the
      // store fails on its own, as `unavailable`).
      return { ok: true };
    }
  }
}

/** `points` calls per `seconds`, in Redis with memory as insurance, or in memory alone. */
function counter(store: LimiterStore, name: string, points: number, seconds: number) {
  const window = { keyPrefix: `${store.keyPrefix}rl:${name}`, points, duration: seconds };
  const memory = new RateLimiterMemory(window);
  if (!store.redis) return memory;
  return new RateLimiterRedis({
    ...window,
    storeClient: store.redis,
    // Past the limit the caller is refused from this process's memory until the window ends.
    inMemoryBlockOnConsumed: points + 1,
    // While Redis is away, calls fail at once (the store client's offline queue is off once it
    // has connected, see common/store/redis-connection.ts) and are counted in memory meanwhile.
    // Before its first connection they wait for it, so a Gateway that just started does not
    // split a client's count between memory and Redis.
    insuranceLimiter: memory,
  });
}

/** Concurrent long-lived calls per client. */
export class ConcurrencyLimit {
  private readonly open = new Map<string, number>();

  /** @param max per client; 0 turns the limit off. */
  constructor(private readonly max: number) {}

  /** A release function (idempotent) when the client has a slot, undefined when it has none. */
  acquire(client: string): (() => void) | undefined {
    const n = this.open.get(client) ?? 0;
    if (this.max > 0 && n >= this.max) return undefined;
    this.open.set(client, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(client) ?? 1) - 1;
      if (left > 0) this.open.set(client, left);
      else this.open.delete(client);
    };
  }

  /** Clients with at least one open call. */
  get size() {
    return this.open.size;
  }
}
