// Per-client limits at the Gateway: token buckets for the calls that cost the cluster something
// (CreateRoom, JoinRoom) and a cap on concurrent WatchCluster streams. Memory stays bounded: a
// bucket that has refilled is the same as no bucket and is dropped, and past maxClients the least
// recently seen client is forgotten (it starts again with a full bucket).

export interface RateLimit {
  /** Tokens added per second; 0 turns the limit off. */
  perSecond: number;
  /** Bucket size: calls a client may make at once after a quiet spell. */
  burst: number;
}

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** When tokens was last brought up to date, ms. */
  at: number;
}

export class TokenBuckets {
  // Map order is least recently used first: every take moves its client to the end.
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly maxClients: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // A burst below one call would refuse everything.
    this.burst = Math.max(1, limit.burst);
  }

  get enabled() {
    return this.limit.perSecond > 0;
  }

  /** Clients with a bucket that is not full (the others are forgotten). */
  get size() {
    return this.buckets.size;
  }

  /** Takes one token for the client, or says how long until one is there. */
  take(client: string): Take {
    if (!this.enabled) return { ok: true };
    const t = this.now();
    const b = this.buckets.get(client) ?? { tokens: this.burst, at: t };
    this.buckets.delete(client);
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    let result: Take;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      result = { ok: true };
    } else {
      result = { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / this.limit.perSecond) * 1000) };
    }
    this.buckets.set(client, b);
    this.sweep(t);
    return result;
  }

  /** Drops the oldest buckets that have refilled (a couple per call), and the oldest of all past the cap. */
  private sweep(t: number) {
    let checked = 0;
    for (const [client, b] of this.buckets) {
      if (checked++ >= 2) break;
      if (b.tokens + ((t - b.at) / 1000) * this.limit.perSecond >= this.burst) this.buckets.delete(client);
    }
    while (this.buckets.size > Math.max(1, this.maxClients)) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
  }
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
