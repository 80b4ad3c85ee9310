import type { Backoff } from "./protocol/backoff.js";
import type { ClientTracing } from "./trace-hook.js";

export type GatewayProtocol = "connect" | "grpc-web";

export interface ReconnectOptions {
  /** Reconnect attempts (each a JoinRoom plus a WebSocket) before giving up; default 8. */
  maxAttempts?: number;
  /** Delay before the first attempt, doubled for each next one; default 200. */
  initialDelayMs?: number;
  /** Longest delay between two attempts; default 3000. */
  maxDelayMs?: number;
}

export interface RegionOptions {
  /** Timed GET {url}/ping requests per region, after one untimed warm-up; the median counts. Default 3. */
  samples?: number;
  /** Longest wait for one request, milliseconds; a region that does not answer in time is left out. Default 2000. */
  timeoutMs?: number;
  /** How long a measurement serves createRoom, joinOrCreate and measureRegions, milliseconds. Default 300000 (5 minutes). */
  cacheMs?: number;
}

/** The player's identity token, or a function that returns a fresh one (called before every Gateway call). */
export type TokenSource = string | (() => string | Promise<string>);

export interface RoomgateClientOptions {
  /** How to talk to the Gateway; default "connect". */
  protocol?: GatewayProtocol;
  /**
   * For a Gateway with player auth: sent as `Authorization: Bearer <token>` on every call, the
   * SDK's own reconnects included. A function is asked anew each time, so it can refresh.
   */
  token?: TokenSource;
  reconnect?: ReconnectOptions;
  /** How round-trip times to the regions are measured (RoomgateClient.measureRegions) and kept. */
  regions?: RegionOptions;
  /**
   * Traces createRoom, joinRoom and joinOrCreate and sends their W3C trace context to the Gateway
   * and the game server: `openTelemetry()` of `@roomgate/client/tracing`. Left out, the SDK sends
   * no trace context, and bundles no tracing code.
   */
  tracing?: ClientTracing;
}

export type ResolvedRegionOptions = Required<RegionOptions>;

export function resolveRegionOptions(o: RegionOptions = {}): ResolvedRegionOptions {
  const r = { samples: o.samples ?? 3, timeoutMs: o.timeoutMs ?? 2000, cacheMs: o.cacheMs ?? 300_000 };
  if (!Number.isInteger(r.samples) || r.samples < 1)
    throw new RangeError(`regions.samples must be a whole number >= 1, got ${r.samples}`);
  if (!(r.timeoutMs > 0)) throw new RangeError(`regions.timeoutMs must be > 0, got ${r.timeoutMs}`);
  if (!(r.cacheMs >= 0)) throw new RangeError(`regions.cacheMs must be >= 0, got ${r.cacheMs}`);
  return r;
}

export type ResolvedReconnect = Required<ReconnectOptions> & Backoff;

export function resolveReconnect(o: ReconnectOptions = {}): ResolvedReconnect {
  // Equal jitter: the players of a room that lost its server spread their rejoins over half the delay.
  const r = {
    maxAttempts: o.maxAttempts ?? 8,
    initialDelayMs: o.initialDelayMs ?? 200,
    maxDelayMs: o.maxDelayMs ?? 3000,
    jitter: 0.5,
  };
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 0)
    throw new RangeError(`reconnect.maxAttempts must be a whole number >= 0, got ${r.maxAttempts}`);
  if (!(r.initialDelayMs >= 0) || !(r.maxDelayMs >= r.initialDelayMs)) {
    throw new RangeError(
      `reconnect delays must satisfy 0 <= initialDelayMs <= maxDelayMs, got ${r.initialDelayMs} and ${r.maxDelayMs}`,
    );
  }
  return r;
}
