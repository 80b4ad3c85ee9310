import { type Context, context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ClientTracing, TraceHeaders } from "./trace-hook.js";

// @roomgate/client/tracing: the SDK's spans through @opentelemetry/api, for a game that traces:
//
//   new RoomgateClient(url, { tracing: openTelemetry() })
//
// A game that registers an OpenTelemetry SDK (Node or web) then sees createRoom, joinRoom and
// joinOrCreate as client spans whose trace carries on through the Gateway, the Manager and the
// game server; with no SDK registered the api is a no-op and no header is sent. A game that does
// not pass it bundles none of this (the api adds some 3 KB gzipped). The context is passed by
// hand, not through the api's active context, because a browser without a zone-based context
// manager loses it at the first `await`.

const tracer = trace.getTracer("roomgate-client");

/** RoomgateClientOptions.tracing through the OpenTelemetry api's global tracer and propagator. */
export function openTelemetry(): ClientTracing {
  return { span: (name, call) => clientSpan(name, (ctx) => call(traceHeaders(ctx))) };
}

/** Runs `fn` in a client span, a child of the game's active span; `fn` gets the span's context. */
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

/** W3C trace headers (traceparent, tracestate) for `ctx`; empty when no propagator is registered. */
export function traceHeaders(ctx: Context): TraceHeaders {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}
