import type { HttpRequest as Req, HttpResponse as Res } from "./http-types.js";
import { cors } from "@connectrpc/connect";

/**
 * Request headers a game's page sends besides the protocols' own: a verified player's token
 * (PLAYER_AUTH) and the W3C trace context of a game that traces (the SDK's `tracing` option).
 */
const GAME_HEADERS = ["Authorization", "traceparent", "tracestate"];

/**
 * CORS for browsers on other origins. The header lists are connect-es's own (`cors` from
 * @connectrpc/connect), so Connect and gRPC-Web both pass the preflight, plus GAME_HEADERS.
 * With no allowed origins nothing is added: same-origin pages (the demo, the dashboard) need none.
 * Returns true when it answered the request itself (a preflight).
 */
export function corsHandler(allowedOrigins: string[]) {
  const any = allowedOrigins.includes("*");
  const allowed = new Set(allowedOrigins);
  return (req: Req, res: Res): boolean => {
    const origin = req.headers.origin;
    if (!origin || (!any && !allowed.has(origin))) return false;
    res.setHeader("access-control-allow-origin", any ? "*" : origin);
    res.setHeader("vary", "Origin");
    res.setHeader("access-control-expose-headers", cors.exposedHeaders.join(", "));
    if (req.method !== "OPTIONS") return false;
    res.setHeader("access-control-allow-methods", cors.allowedMethods.join(", "));
    res.setHeader("access-control-allow-headers", [...cors.allowedHeaders, ...GAME_HEADERS].join(", "));
    res.setHeader("access-control-max-age", "7200");
    res.writeHead(204);
    res.end();
    return true;
  };
}
