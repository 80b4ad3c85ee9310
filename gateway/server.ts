// Builds the Gateway: the Connect routes with their interceptors, /ping, /healthz and the web UI on one listener.

import { createContextValues } from "@connectrpc/connect";
import type { Logger } from "../common/log.js";
import { PING_PATH } from "@roomgate/client/protocol/urls";
import { corsHandler } from "./cors.js";
import { clientAddress, clientKey } from "./client-address.js";
import { type ClientLimits, NO_CLIENT_LIMITS, clientLimitsInterceptor } from "./client-limits.js";
import type { LimiterStore } from "./rate-limit.js";
import {
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_TIMEOUTS,
  type DualServer,
  type ListenerTimeouts,
  createDualServer,
} from "./listener.js";
import { staticFiles } from "./static-files.js";
import { loggingInterceptor } from "./logging.js";
import { metricsInterceptor } from "./metrics.js";
import { Activity } from "./activity.js";
import { tracingInterceptor } from "./tracing.js";
import { withMisreadAsInvalidArgument } from "./parse-errors.js";
import { nodeAdapter } from "./node-adapter.js";
import { routes } from "./routes.js";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { validationInterceptor } from "./validation.js";
import { playerAuthInterceptor, type PlayerVerifier } from "./player-auth.js";
import { GatewayServiceImpl } from "./service.js";
import { AdminToken } from "../common/admin-token.js";
import type { WatchStore } from "./cluster-watch.js";
import type { MatchStore } from "./matchmaking/dependencies.js";
import { Matchmaker, type MatchmakerOptions } from "./matchmaking/matchmaker.js";

export interface GatewayServerOptions extends MatchmakerOptions {
  store: MatchStore & WatchStore;
  /** Every region's Gateway, for clients to measure (ListRegions). */
  regionGateways?: { region: string; url: string }[];
  log: Logger;
  tls?: { certFile: string; keyFile: string };
  /** Largest request body accepted, bytes. */
  readMaxBytes?: number;
  /** Origins allowed to call from browsers elsewhere ("*" for any); none by default. */
  corsOrigins?: string[];
  /** Built web UI (demo and dashboard) to serve at / and /dashboard. */
  webDir?: string;
  /** Per-client rate limits and stream caps; none by default. */
  limits?: ClientLimits;
  /** Where the rate limits count: the Redis every Gateway shares, or (no redis) memory. */
  limiterStore?: LimiterStore;
  /** Proxies in front that append to X-Forwarded-For; clients are counted by what the outermost saw (0: the peer address). */
  trustedProxyHops?: number;
  timeouts?: ListenerTimeouts;
  /** Streams one HTTP/2 connection may have open at once (default 100). */
  maxConcurrentStreams?: number;
  /** The operator's bearer token (WatchCluster, the dashboard); unset: WatchCluster is refused. */
  adminToken?: string;
  /** Verified players (gateway/player-auth.ts): every player call needs an identity token. Absent: anonymous players. */
  playerAuth?: PlayerVerifier;
}

/** Builds an unstarted Gateway; `listen` binds it (port 0 in tests). */
export function buildGateway(o: GatewayServerOptions): DualServer {
  const activity = new Activity(o.region);
  const impl = new GatewayServiceImpl({
    matchmaker: new Matchmaker(o),
    cluster: o.store,
    activity,
    admin: new AdminToken(o.adminToken),
    region: o.region,
    regionGateways: o.regionGateways,
  });
  const files = o.webDir ? staticFiles(o.webDir) : undefined;
  const onHandlerError = (e: unknown) =>
    o.log.error("request handler failed", { error: e instanceof Error ? e.message : String(e) });
  const rpc = nodeAdapter({
    routes: withMisreadAsInvalidArgument(routes(impl)),
    // Connect unary calls (CreateRoom above all) take the lean path; the routes serve the rest.
    unary: [{ service: GatewayService, impl }],
    // The handlers never see the socket: the client's address reaches the limits this way.
    contextValues: (req) => createContextValues().set(clientKey, clientAddress(req, o.trustedProxyHops ?? 0)),
    interceptors: [
      // Outermost, so the span covers every refusal the others make.
      tracingInterceptor(),
      metricsInterceptor(),
      activity.interceptor(),
      loggingInterceptor(o.log),
      clientLimitsInterceptor(o.limits ?? NO_CLIENT_LIMITS, o.limiterStore ?? { keyPrefix: "" }),
      // After the rate limits, so a flood of bad tokens costs no signature checks beyond them.
      ...(o.playerAuth ? [playerAuthInterceptor(o.playerAuth)] : []),
      validationInterceptor(),
    ],
    readMaxBytes: o.readMaxBytes ?? 64 * 1024,
    onError: onHandlerError,
    fallback: (req, res) => {
      if (files?.(req, res)) return;
      if (req.url === PING_PATH && (req.method === "GET" || req.method === "HEAD")) {
        // Clients time this to pick a region (ListRegions): tiny, never cached, readable from any page.
        res.writeHead(200, {
          "content-type": "text/plain",
          "cache-control": "no-store",
          "access-control-allow-origin": "*",
          "timing-allow-origin": "*",
          "roomgate-region": o.region ?? "",
          "access-control-expose-headers": "roomgate-region",
        });
        res.end(req.method === "HEAD" ? "" : (o.region ?? ""));
        return;
      }
      if (req.url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"status":"ok"}');
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: this is a roomgate Gateway (roomgate.v1.GatewayService)");
    },
  });
  const preflight = corsHandler(o.corsOrigins ?? []);
  return createDualServer(
    (req, res) => {
      if (!preflight(req, res)) rpc(req, res);
    },
    o.tls,
    o.timeouts ?? DEFAULT_TIMEOUTS,
    {
      maxConcurrentStreams: o.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
      onHandlerError,
    },
  );
}
