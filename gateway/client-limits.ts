import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { callerOf } from "./caller.js";
import { callerId } from "./matchmaking/matchmaker.js";
import { CallerRateLimit, ConcurrencyLimit, type LimiterStore, type RateLimit } from "./rate-limit.js";

/** Each public RPC's rate limit: calls that make rooms, that hold seats, and that only read. */
export interface ClientLimits {
  createRoom: RateLimit;
  joinRoom: RateLimit;
  joinOrCreate: RateLimit;
  /** GetRoom, ListRooms, ListRegions and opening WatchCluster, counted together. */
  reads: RateLimit;
  /** Concurrent WatchCluster streams per client; 0 for no limit. */
  maxWatchStreams: number;
}

const OFF: RateLimit = { perSecond: 0, burst: 0 };

/** Limits off: what a Gateway built without settings gets (tests of other things). */
export const NO_CLIENT_LIMITS: ClientLimits = {
  createRoom: OFF,
  joinRoom: OFF,
  joinOrCreate: OFF,
  reads: OFF,
  maxWatchStreams: 0,
};

type Rated = Exclude<keyof ClientLimits, "maxWatchStreams">;

/** Which limit each RPC counts against: every public RPC has one (a new RPC does not compile until it is given one). */
const LIMIT_OF: Record<keyof typeof GatewayService.method, Rated> = {
  createRoom: "createRoom",
  joinRoom: "joinRoom",
  joinOrCreate: "joinOrCreate",
  getRoom: "reads",
  listRooms: "reads",
  listRegions: "reads",
  watchCluster: "reads",
};

const NAMES: Record<Rated, string> = {
  createRoom: "CreateRoom",
  joinRoom: "JoinRoom",
  joinOrCreate: "JoinOrCreate",
  reads: "GetRoom, ListRooms, ListRegions and WatchCluster",
};

/**
 * Per-client limits, before validation and the handlers: beyond them a call ends with
 * `resource_exhausted`, a message that says which limit, and a Retry-After header (seconds).
 * The client is the call's caller (caller.ts); `store` is where the counters live.
 */
export function clientLimitsInterceptor(limits: ClientLimits, store: LimiterStore): Interceptor {
  const rated = new Map<string, { limit: RateLimit; counter: CallerRateLimit; what: string }>();
  const counters = new Map<Rated, CallerRateLimit>();
  for (const [method, kind] of Object.entries(LIMIT_OF) as [keyof typeof GatewayService.method, Rated][]) {
    const counter = counters.get(kind) ?? new CallerRateLimit(kind, limits[kind], store);
    counters.set(kind, counter);
    if (counter.enabled)
      rated.set(GatewayService.method[method].name, { limit: limits[kind], counter, what: NAMES[kind] });
  }
  const watches = new ConcurrencyLimit(limits.maxWatchStreams);
  const watchMethod = GatewayService.method.watchCluster.name;

  return (next) => async (req) => {
    // Before player auth (server.ts): a flood of bad tokens is held to the limits of its address.
    const client = callerId(callerOf(req.contextValues));
    const limit = rated.get(req.method.name);
    if (limit) {
      const taken = await limit.counter.take(client);
      if (!taken.ok) {
        const { perSecond, burst } = limit.limit;
        throw new ConnectError(
          `rate limit: at most ${perSecond} ${limit.what} calls per second (bursts of ${Math.max(perSecond, burst)}) per client; retry in ${taken.retryAfterMs} ms`,
          Code.ResourceExhausted,
          { "retry-after": String(Math.ceil(taken.retryAfterMs / 1000)) },
        );
      }
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
