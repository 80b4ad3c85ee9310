import type { Cluster, Redis, RedisOptions } from "ioredis";
import type { Logger } from "../log.js";
import { backoffDelay } from "@roomgate/client/protocol/backoff";

// How roomgate's Redis connections behave while Redis is unreachable: every call fails fast
// (callers answer `unavailable`), nothing a caller has given up on runs later, and the client
// keeps reconnecting in the background, forever, with capped backoff.

export interface ConnectionLimits {
  /** Longest a command may wait for Redis's answer before it fails. */
  commandTimeoutMs?: number;
  /** Longest wait between two reconnection attempts while Redis is unreachable. */
  reconnectMaxDelayMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 1000;

export function failFastOptions(o: ConnectionLimits = {}): RedisOptions {
  const cap = Math.max(1, o.reconnectMaxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS);
  return {
    // A Redis that accepts the connection but does not answer (frozen, overloaded, a half-open
    // connection) still fails the call within this bound.
    commandTimeout: o.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    // Commands still waiting when the connection drops fail at once and are never sent again on
    // the next connection: their callers have already answered `unavailable`, so a late
    // allocation or deletion would leave a mapping nobody knows about.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Queued only until the first connection is ready (see superviseConnection); afterwards a
    // command issued while Redis is unreachable fails immediately.
    enableOfflineQueue: true,
    connectTimeout: 2000,
    // How long a disconnect waits for the socket to close before destroying it; ioredis also
    // waits this long on a socket that is already gone, which would hold a shutdown up.
    disconnectTimeout: 500,
    // After a failover behind a proxy or virtual IP, a connection still open to the old primary
    // (now a replica) refuses writes: reconnect to reach the new one (the failed call is not resent).
    reconnectOnError: (e: Error) => e.message.startsWith("READONLY"),
    // Exponential from 50 ms, capped, with jitter so a fleet does not reconnect in step; never
    // gives up. ioredis counts attempts from 1.
    retryStrategy: (times: number) =>
      Math.round(backoffDelay(times - 1, { initialDelayMs: 50, maxDelayMs: cap, jitter: 0.5 })),
  };
}

/**
 * Logs when a connection is lost and when it is back (once per outage, not once per attempt),
 * and (failFast) turns the offline queue off after the first successful connection. Listening for
 * 'error' also keeps ioredis from printing every failed attempt as an unhandled error event.
 */
export function superviseConnection(
  client: Redis | Cluster,
  log: Logger | undefined,
  connection: string,
  failFast = true,
) {
  let downSince: number | undefined;
  let everReady = false;
  const lost = (error: string) => {
    if (downSince !== undefined) return;
    downSince = Date.now();
    const msg = everReady
      ? "store connection lost; calls fail as unavailable until it is back"
      : "store unreachable; retrying";
    log?.warn(msg, { connection, error });
  };
  client.once("ready", () => {
    everReady = true;
    if (failFast) client.options.enableOfflineQueue = false;
  });
  client.on("error", (e: Error) => {
    if (downSince === undefined) lost(e.message);
    else log?.debug("store still unreachable", { connection, error: e.message });
  });
  client.on("close", () => {
    if (client.status !== "end") lost("connection closed");
  });
  client.on("ready", () => {
    if (downSince === undefined) return;
    log?.info("store connection restored", { connection, downMs: Date.now() - downSince });
    downSince = undefined;
  });
}
