import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { clientKey } from "./client-address.js";
import { ConcurrencyLimit, type RateLimit, TokenBuckets } from "./rate-limit.js";

export interface ClientLimits {
  createRoom: RateLimit;
  joinRoom: RateLimit;
  /** Most clients whose buckets are remembered at once. */
  maxClients: number;
  /** Concurrent WatchCluster streams per client; 0 for no limit. */
  maxWatchStreams: number;
}

/** Limits off: what a Gateway built without settings gets (tests of other things). */
export const NO_CLIENT_LIMITS: ClientLimits = {
  createRoom: { perSecond: 0, burst: 0 },
  joinRoom: { perSecond: 0, burst: 0 },
  maxClients: 1,
  maxWatchStreams: 0,
};

/**
 * Per-client limits, before validation and the handlers: beyond them a call ends with
 * `resource_exhausted`, a message that says which limit, and a Retry-After header (seconds).
 * The client is the one the adapter put under `clientKey`.
 */
export function clientLimitsInterceptor(limits: ClientLimits): Interceptor {
  const buckets = new Map<string, { buckets: TokenBuckets; limit: RateLimit }>([
    [
      GatewayService.method.createRoom.name,
      { buckets: new TokenBuckets(limits.createRoom, limits.maxClients), limit: limits.createRoom },
    ],
    [
      GatewayService.method.joinRoom.name,
      { buckets: new TokenBuckets(limits.joinRoom, limits.maxClients), limit: limits.joinRoom },
    ],
  ]);
  const watches = new ConcurrencyLimit(limits.maxWatchStreams);
  const watchMethod = GatewayService.method.watchCluster.name;

  return (next) => async (req) => {
    const client = req.contextValues.get(clientKey);
    const rated = buckets.get(req.method.name);
    if (rated) {
      const taken = rated.buckets.take(client);
      if (!taken.ok) {
        const { perSecond, burst } = rated.limit;
        throw new ConnectError(
          `rate limit: at most ${perSecond} ${req.method.name} calls per second (bursts of ${Math.max(1, burst)}) per client; retry in ${taken.retryAfterMs} ms`,
          Code.ResourceExhausted,
          { "retry-after": String(Math.ceil(taken.retryAfterMs / 1000)) },
        );
      }
      return next(req);
    }
    if (req.method.name !== watchMethod) return next(req);
    const release = watches.acquire(client);
    if (!release) {
      throw new ConnectError(
        `at most ${limits.maxWatchStreams} WatchCluster streams per client at once; close one first`,
        Code.ResourceExhausted,
      );
    }
    // The slot is the stream's for as long as it runs: until its messages end, or the call is
    // cancelled, whichever comes first.
    req.signal.addEventListener("abort", release, { once: true });
    try {
      const res = await next(req);
      if (!res.stream) {
        release();
        return res;
      }
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* messages;
          } finally {
            release();
          }
        })(),
      };
    } catch (e) {
      release();
      throw e;
    }
  };
}
