// Starts the OpenTelemetry trace SDK, only when asked: with OTEL_EXPORTER_OTLP_ENDPOINT unset (and
// no exporter passed in, as tests do) nothing of the SDK is even loaded, and the api stays a no-op.

import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { markTracingEnabled } from "./spans.js";

export interface TracingOptions {
  /** The service.name resource attribute (OTEL_SERVICE_NAME wins when set). */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (and the exporter's other OTEL_* variables) come from here. */
  env: NodeJS.ProcessEnv;
  /** Export here, each span as it ends, instead of OTLP (tests: the SDK's InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Exports what is buffered and stops; spans started afterwards are no-ops. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces: OTLP over HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Registers the SDK globally (tracer provider, AsyncLocalStorage context, W3C propagator), or does nothing. */
export async function startTracing(o: TracingOptions): Promise<Tracing | undefined> {
  if (!o.exporter && !tracingRequested(o.env)) return undefined;
  const [{ NodeTracerProvider }, base, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  let processor;
  if (o.exporter) {
    processor = new base.SimpleSpanProcessor(o.exporter);
  } else {
    // The exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint, headers, timeout); the batch
    // processor reads OTEL_BSP_* (queue size, delay).
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new base.BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": o.env.OTEL_SERVICE_NAME || o.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  markTracingEnabled(true);
  return {
    async shutdown() {
      markTracingEnabled(false);
      await provider.shutdown();
    },
  };
}
