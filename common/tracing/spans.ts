// Spans through @opentelemetry/api only. Without a registered SDK (common/tracing/sdk.ts, started
// only when OTEL_EXPORTER_OTLP_ENDPOINT is set) every call here is the api's no-op: no span is
// recorded, nothing is propagated, and `traced` adds one branch to the call it wraps.

import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";

export { SpanKind };

const tracer = trace.getTracer("roomgate");

/** True once an SDK is registered (startTracing); until then the wrappers call straight through. */
let enabled = false;

/** Called by startTracing once it has registered a tracer provider. */
export function markTracingEnabled(on: boolean) {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The caller's context (extracted from a traceparent); default: the active one. */
  parent?: Context;
}

/**
 * Runs `fn` inside a span named `name`, as its active context, and ends the span when `fn` settles;
 * a rejection marks it as an error (with the error's gRPC/Connect `code` when it has one).
 */
export function traced<T>(name: string, o: SpanOptions, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const span = tracer.startSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, attributes: o.attributes }, o.parent);
  return context.with(trace.setSpan(o.parent ?? context.active(), span), async () => {
    try {
      return await fn(span);
    } catch (e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Starts a span the caller ends (for work that spans callbacks, like a WebSocket's life). */
export function startSpan(name: string, o: SpanOptions): Span | undefined {
  if (!enabled) return undefined;
  return tracer.startSpan(name, { kind: o.kind ?? SpanKind.INTERNAL, attributes: o.attributes }, o.parent);
}

/** The context with `span` active, for children started later from callbacks. */
export function contextOf(span: Span | undefined): Context | undefined {
  return span ? trace.setSpan(context.active(), span) : undefined;
}

/** Whether a span is active: store spans are only made inside a trace, never for background sweeps. */
export function inTrace(): boolean {
  return enabled && trace.getSpan(context.active()) !== undefined;
}

export function failed(span: Span | undefined, e: unknown) {
  if (!span) return;
  const err = e instanceof Error ? e : new Error(String(e));
  span.recordException(err);
  const code = (e as { code?: unknown }).code;
  if (typeof code === "number" || typeof code === "string") span.setAttribute("rpc.status_code", code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** The caller's context from W3C trace headers, read through `get` (HTTP headers, gRPC metadata). */
export function extractContext(get: (name: string) => string | undefined): Context {
  if (!enabled) return context.active();
  return propagation.extract(context.active(), get, GETTER);
}

const GETTER: TextMapGetter<(name: string) => string | undefined> = {
  get: (get, key) => get(key),
  // The W3C propagator asks only for the names it knows.
  keys: () => [],
};

/** Writes the active context's W3C trace headers (traceparent, tracestate) through `set`. */
export function injectContext(set: (name: string, value: string) => void, ctx: Context = context.active()) {
  if (!enabled) return;
  propagation.inject(ctx, set, { set: (s, k, v) => s(k, v) });
}
