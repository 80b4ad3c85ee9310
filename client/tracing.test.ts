import { context, propagation, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { openSocket as openWebSocket } from "./socket-web.js";
import type { OpenSocket } from "./socket.js";
import { traced, tracedFirstOpen } from "./trace-hook.js";
import { openTelemetry, traceHeaders } from "./tracing.js";

// The SDK's trace context on the WebSocket: only on a room's first connection, and in browsers as
// a subprotocol (they cannot set headers on a WebSocket). A game that passes no `tracing`, or
// passes openTelemetry() without an OpenTelemetry SDK registered, sends nothing.

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const ctx = trace.setSpanContext(context.active(), {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
});

afterEach(() => propagation.disable());

test("without a registered propagator (no SDK in the game), no trace header is sent", async () => {
  expect(traceHeaders(ctx)).toEqual({});
  expect(await openTelemetry().span("call", async (headers) => headers)).toEqual({});
});

test("without options.tracing the call runs as it is, with no headers", async () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  expect(await traced(undefined, "call", async (headers) => headers)).toEqual({});
});

test("openTelemetry() hands the call its client span's traceparent; the span ends with the call, failed if it failed", async () => {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  try {
    const tracing = openTelemetry();
    const headers = await tracing.span("roomgate.client/joinRoom", async (h) => h);
    await expect(tracing.span("roomgate.client/createRoom", () => Promise.reject(new Error("no")))).rejects.toThrow(
      "no",
    );
    const [ok, failed] = exporter.getFinishedSpans();
    expect(headers).toEqual({ traceparent: `00-${ok!.spanContext().traceId}-${ok!.spanContext().spanId}-01` });
    expect([ok!.name, ok!.kind, ok!.status.code]).toEqual([
      "roomgate.client/joinRoom",
      SpanKind.CLIENT,
      SpanStatusCode.UNSET,
    ]);
    expect([failed!.name, failed!.status]).toEqual([
      "roomgate.client/createRoom",
      { code: SpanStatusCode.ERROR, message: "no" },
    ]);
  } finally {
    trace.disable();
  }
});

test("only the first connection of a room carries the call's traceparent", () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const sent: (string | undefined)[] = [];
  const open: OpenSocket = (_url, _handlers, _protocols, traceparent) => {
    sent.push(traceparent);
    return { send() {}, close() {} };
  };
  const first = tracedFirstOpen(open, traceHeaders(ctx).traceparent);
  const handlers = { message() {}, close() {} };
  first("ws://gs/rooms/r", handlers, ["roomgate.v1"]);
  first("ws://gs/rooms/r", handlers, ["roomgate.v1"]);
  expect(sent).toEqual([TRACEPARENT, undefined]);
});

test("in browsers the traceparent is offered as a subprotocol, never put in the URL", () => {
  const made: { url: string; protocols?: string[] }[] = [];
  const g = globalThis as { WebSocket?: unknown };
  const previous = g.WebSocket;
  g.WebSocket = class {
    binaryType = "blob";
    readyState = 0;
    constructor(url: string, protocols?: string[]) {
      made.push({ url, protocols });
    }
    addEventListener() {}
    send() {}
    close() {}
  };
  try {
    const handlers = { message() {}, close() {} };
    openWebSocket("ws://gs/rooms/r", handlers, ["roomgate.v1", "roomgate.token.t"], TRACEPARENT);
    openWebSocket("ws://gs/rooms/r", handlers, ["roomgate.v1", "roomgate.token.t"]);
  } finally {
    g.WebSocket = previous;
  }
  expect(made).toEqual([
    { url: "ws://gs/rooms/r", protocols: ["roomgate.v1", "roomgate.token.t", `roomgate.traceparent.${TRACEPARENT}`] },
    { url: "ws://gs/rooms/r", protocols: ["roomgate.v1", "roomgate.token.t"] },
  ]);
});
