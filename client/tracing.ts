import { type Context, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { OpenSocket } from "./socket.js";

// The SDK's spans, through @opentelemetry/api only: a game that registers an OpenTelemetry SDK
// (Node or web) sees createRoom, joinRoom and joinOrCreate as spans whose trace carries on through
// the Gateway, the Manager and the game server; without one, the api is a no-op and no header is
// sent. The context is passed by hand, not through the api's active context, because a browser
// without a zone-based context manager loses it at the first `await`.

const tracer = trace.getTracer("roomgate-client");

/** Runs `fn` in a span; `fn` gets the span's context to pass on (traceHeaders, tracedFirstOpen). */
export async function clientSpan<T>(name: string, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT });
  try {
    return await fn(trace.setSpan(context.active(), span));
  } catch (e) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    span.end();
  }
}

/** W3C trace headers (traceparent, tracestate) for `ctx`; empty when no SDK is registered. */
export function traceHeaders(ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}

/**
 * The socket opener for a room's first connection: it carries `ctx`'s traceparent, the ones after
 * it (reconnections, maybe minutes later) do not, as they belong to no call of the game's.
 */
export function tracedFirstOpen(open: OpenSocket, ctx: Context): OpenSocket {
  let first = true;
  return (url, handlers, protocols) => {
    const traceparent = first ? traceHeaders(ctx).traceparent : undefined;
    first = false;
    return open(url, handlers, protocols, traceparent);
  };
}
