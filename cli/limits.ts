import { bool, ConfigError, int, type Values } from "../common/config.js";
import type { ClientLimits } from "../gateway/client-limits.js";
import type { ClientCaps } from "../gateway/matchmaking/matchmaker.js";
import type { ListenerTimeouts } from "../gateway/listener.js";

// The Gateway's abuse settings, read into the options its builder takes.

export function gatewayClientLimits(v: Values): ClientLimits {
  const rate = (name: string) => ({
    perSecond: int(v, `RATE_LIMIT_${name}_PER_S`),
    burst: int(v, `RATE_LIMIT_${name}_BURST`),
  });
  return {
    createRoom: rate("CREATE"),
    joinRoom: rate("JOIN"),
    joinOrCreate: rate("QUICKJOIN"),
    reads: rate("READ"),
    maxWatchStreams: int(v, "WATCH_MAX_STREAMS_PER_CLIENT"),
  };
}

export function gatewayClientCaps(v: Values): ClientCaps {
  const caps = {
    maxUnjoinedRooms: int(v, "CLIENT_MAX_UNJOINED_ROOMS"),
    maxUnusedSeats: int(v, "CLIENT_MAX_UNUSED_SEATS"),
  };
  for (const [name, value] of Object.entries({
    CLIENT_MAX_UNJOINED_ROOMS: caps.maxUnjoinedRooms,
    CLIENT_MAX_UNUSED_SEATS: caps.maxUnusedSeats,
  }))
    if (value < 0) throw new ConfigError(`${name} must be 0 (no cap) or more, got ${value}`);
  return caps;
}

/** How many proxies' X-Forwarded-For entries the Gateway trusts, counted from the right (0: none). */
export function gatewayTrustedProxyHops(v: Values): number {
  if (!bool(v, "GATEWAY_TRUST_PROXY")) return 0;
  const hops = int(v, "GATEWAY_TRUSTED_PROXY_HOPS");
  if (hops < 1) throw new ConfigError("GATEWAY_TRUSTED_PROXY_HOPS must be at least 1 when GATEWAY_TRUST_PROXY is on");
  return hops;
}

export function gatewayTimeouts(v: Values): ListenerTimeouts {
  return {
    headersMs: int(v, "GATEWAY_HEADERS_TIMEOUT_MS"),
    requestMs: int(v, "GATEWAY_REQUEST_TIMEOUT_MS"),
    keepAliveMs: int(v, "GATEWAY_KEEPALIVE_TIMEOUT_MS"),
    idleMs: int(v, "GATEWAY_IDLE_TIMEOUT_MS"),
  };
}

export function gatewayMaxConcurrentStreams(v: Values): number {
  const n = int(v, "GATEWAY_MAX_CONCURRENT_STREAMS");
  if (n < 1) throw new ConfigError("GATEWAY_MAX_CONCURRENT_STREAMS must be at least 1");
  return n;
}

/** 0 (no limit) or enough for the largest frame, which a smaller budget would refuse for ever. */
export function wsMaxBytesPerSecond(v: Values): number {
  const bytes = int(v, "MAX_BYTES_PER_SECOND");
  const frame = int(v, "MAX_FRAME_BYTES");
  if (bytes !== 0 && bytes < frame)
    throw new ConfigError(`MAX_BYTES_PER_SECOND must be 0 (off) or at least MAX_FRAME_BYTES (${frame}), got ${bytes}`);
  return bytes;
}

/** uWebSockets.js aborts the process on an idle timeout between 1 and 7 s; refuse it cleanly. */
export function wsIdleTimeoutS(v: Values): number {
  const s = int(v, "IDLE_TIMEOUT_S");
  if (s !== 0 && s < 8)
    throw new ConfigError(
      `IDLE_TIMEOUT_S must be 0 (off) or at least 8 (uWebSockets.js checks with a 4 s granularity), got ${s}`,
    );
  return s;
}
