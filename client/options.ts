import type { BackoffOptions } from "./backoff.js";

export type GatewayProtocol = "connect" | "grpc-web";

export interface ReconnectOptions {
  /** Reconnect attempts (each a JoinRoom plus a WebSocket) before giving up; default 8. */
  maxAttempts?: number;
  /** Delay before the first attempt, doubled for each next one; default 200. */
  initialDelayMs?: number;
  /** Longest delay between two attempts; default 3000. */
  maxDelayMs?: number;
}

export interface RoomgateClientOptions {
  /** How to talk to the Gateway; default "connect". */
  protocol?: GatewayProtocol;
  reconnect?: ReconnectOptions;
}

export type ResolvedReconnect = Required<ReconnectOptions> & BackoffOptions;

export function resolveReconnect(o: ReconnectOptions = {}): ResolvedReconnect {
  const r = { maxAttempts: o.maxAttempts ?? 8, initialDelayMs: o.initialDelayMs ?? 200, maxDelayMs: o.maxDelayMs ?? 3000 };
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 0) throw new RangeError(`reconnect.maxAttempts must be a whole number >= 0, got ${r.maxAttempts}`);
  if (!(r.initialDelayMs >= 0) || !(r.maxDelayMs >= r.initialDelayMs)) {
    throw new RangeError(`reconnect delays must satisfy 0 <= initialDelayMs <= maxDelayMs, got ${r.initialDelayMs} and ${r.maxDelayMs}`);
  }
  return r;
}
