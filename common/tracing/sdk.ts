// Starts the OpenTelemetry trace SDK, only when asked: with OTEL_EXPORTER_OTLP_ENDPOINT unset (and
// no exporter passed in, as tests do) nothing of the SDK is even loaded, and the api stays a no-op.

import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { markTracingEnabled } from "./spans.js";

export interface TracingOptions {
  /** The service.name resource attribute. */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (flag or variable): traces go to {endpoint}/v1/traces. */
  endpoint?: string;
  /** The exporter's other OTEL_* variables; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT there wins over `endpoint`. */
  env: NodeJS.ProcessEnv;
  /** Export here, each span as it ends, instead of OTLP (tests: the SDK's InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Exports what is buffered and stops; spans started afterwards are no-ops. */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces: OTLP over HTTP to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
export function tracingRequested(o: Pick<TracingOptions, "endpoint" | "env">): boolean {
  return Boolean(o.endpoint || o.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Registers the SDK globally (tracer provider, AsyncLocalStorage context, W3C propagator), or does nothing. */
export async function startTracing(o: TracingOptions): Promise<Tracing | undefined> {
  if (!o.exporter && !tracingRequested(o)) return undefined;
  const [{ NodeTracerProvider }, base, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  let processor;
  if (o.exporter) {
    processor = new base.SimpleSpanProcessor(o.exporter);
  } else {
    // The exporter reads the other OTEL_EXPORTER_OTLP_* itself (headers, timeout); the batch
    // processor reads OTEL_BSP_* (queue size, delay).
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const url = o.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? undefined : `${o.endpoint!.replace(/\/+$/, "")}/v1/traces`;
    processor = new base.BatchSpanProcessor(new OTLPTraceExporter({ url }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": o.serviceName }),
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
