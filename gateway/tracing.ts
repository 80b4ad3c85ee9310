import type { Interceptor } from "@connectrpc/connect";
import { extractContext, SpanKind, traced, tracingEnabled } from "../common/tracing/spans.js";

// A server span for each unary Gateway call, child of the caller's W3C traceparent header; the
// matchmaking core runs inside it, so the Manager call it makes joins the same trace. Streams
// (WatchCluster) get none: a span as long as a dashboard stays open says nothing.

export function tracingInterceptor(): Interceptor {
  return (next) => (req) => {
    if (!tracingEnabled() || req.stream) return next(req);
    const name = `${req.service.typeName}/${req.method.name}`;
    return traced(
      name,
      {
        kind: SpanKind.SERVER,
        parent: extractContext((h) => req.header.get(h) ?? undefined),
        attributes: { "rpc.system": "connect_rpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name },
      },
      () => next(req),
    );
  };
}
