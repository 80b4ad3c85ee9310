import type { ResolvedRegionOptions } from "./options.js";
import { PING_PATH } from "./protocol/urls.js";

// Round-trip times to each region's Gateway (GET {url}/ping, a tiny uncached answer), measured
// with fetch, which Node (20+) and browsers both have, and kept for a while.

/** A round-trip time to one region's Gateway, as CreateRoom and JoinOrCreate take them. */
export interface RegionLatency {
  region: string;
  /** Milliseconds; the SDK's own measurements keep their fractions (the wire rounds them). */
  rttMs: number;
}

/** One region's Gateway, as ListRegions lists it. */
export interface RegionEndpoint {
  region: string;
  /** Base URL; round trips are timed with GET {url}/ping. */
  url: string;
}

export interface MeasureRegionsOptions {
  /** Timed requests per region after one untimed warm-up; the client's default (3) when left out. */
  samples?: number;
  /** Longest wait for one request, milliseconds; the client's default (2000) when left out. */
  timeoutMs?: number;
  /**
   * A measurement at most this old (milliseconds) is returned as it is; 0 always measures anew.
   * The client's `regions.cacheMs` (5 minutes) when left out.
   */
  maxAgeMs?: number;
}

/**
 * Times every endpoint (all at once; one region's requests one after the other, over one kept-alive
 * connection after the warm-up). A region whose warm-up or any sample fails, times out or answers
 * other than 2xx is left out. Fastest first, ties by region name.
 */
export async function measureEndpoints(
  endpoints: readonly RegionEndpoint[],
  samples: number,
  timeoutMs: number,
): Promise<RegionLatency[]> {
  const unique = [...new Map(endpoints.map((e) => [e.region, e])).values()];
  const measured = await Promise.all(
    unique.map(async (e) => ({ region: e.region, rttMs: await measureOne(e.url, samples, timeoutMs) })),
  );
  return measured
    .filter((m): m is RegionLatency => m.rttMs !== undefined)
    .sort((a, b) => a.rttMs - b.rttMs || (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}

async function measureOne(baseUrl: string, samples: number, timeoutMs: number): Promise<number | undefined> {
  const url = `${baseUrl.replace(/\/+$/, "")}${PING_PATH}`;
  const times: number[] = [];
  try {
    await timedGet(url, timeoutMs); // opens the connection (and TLS): not what a game's traffic pays
    for (let i = 0; i < samples; i++) times.push(await timedGet(url, timeoutMs));
  } catch {
    return undefined;
  }
  return median(times);
}

async function timedGet(url: string, timeoutMs: number): Promise<number> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    // Never from a cache (Node's typings lack `cache`; its fetch caches nothing anyway).
    const init: RequestInit & { cache: "no-store" } = { cache: "no-store", signal: abort.signal };
    const start = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer(); // the whole answer, and the connection free for the next sample
    const ms = performance.now() - start;
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return ms;
  } finally {
    clearTimeout(timer);
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** For the wire: whole milliseconds within the Gateway's bounds, at most 32 regions, fastest first. */
export function wireLatencies(latencies: readonly RegionLatency[]): RegionLatency[] {
  return [...latencies]
    .sort((a, b) => a.rttMs - b.rttMs)
    .slice(0, 32)
    .map((l) => ({ region: l.region, rttMs: Math.min(60_000, Math.max(0, Math.round(l.rttMs))) }));
}

/** Measures on demand and keeps the result; concurrent callers share one measurement. */
export class RegionMeter {
  private cached: { at: number; ttlMs: number; value: RegionLatency[] } | undefined;
  private running: Promise<RegionLatency[]> | undefined;

  constructor(
    private readonly listRegions: () => Promise<RegionEndpoint[]>,
    private readonly defaults: ResolvedRegionOptions,
  ) {}

  async measure(o: MeasureRegionsOptions = {}): Promise<RegionLatency[]> {
    const maxAgeMs = Math.min(o.maxAgeMs ?? this.defaults.cacheMs, this.cached?.ttlMs ?? Infinity);
    if (this.cached && performance.now() - this.cached.at <= maxAgeMs) return copy(this.cached.value);
    // Callers with their own sampling get their own measurement (it still refreshes the cache).
    if (o.samples !== undefined || o.timeoutMs !== undefined)
      return copy(await this.run(o.samples ?? this.defaults.samples, o.timeoutMs ?? this.defaults.timeoutMs));
    this.running ??= this.run(this.defaults.samples, this.defaults.timeoutMs).finally(() => (this.running = undefined));
    return copy(await this.running);
  }

  private async run(samples: number, timeoutMs: number): Promise<RegionLatency[]> {
    if (!Number.isInteger(samples) || samples < 1)
      throw new RangeError(`samples must be a whole number >= 1, got ${samples}`);
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
    const endpoints = await this.listRegions();
    const value = await measureEndpoints(endpoints, samples, timeoutMs);
    // Every listed region failing looks like a passing network fault: kept for less time.
    const ttlMs =
      endpoints.length > 0 && value.length === 0 ? Math.min(this.defaults.cacheMs, 30_000) : this.defaults.cacheMs;
    this.cached = { at: performance.now(), ttlMs, value };
    return value;
  }
}

function copy(ls: readonly RegionLatency[]): RegionLatency[] {
  return ls.map((l) => ({ ...l }));
}
