import { ALL, type Setting } from "./component.js";

// The admin listener every component can open: Prometheus metrics and the health probes.
// ADMIN_TOKEN (settings-gateway.ts), when set, guards its /metrics. Then tracing (OpenTelemetry's
// own variable names, so a deployment's usual OTEL_* environment works as it is).

export const ADMIN_SETTINGS: Setting[] = [
  {
    env: "METRICS_PORT",
    kind: "int",
    for: ALL,
    help: "Port of the admin listener: GET /metrics (Prometheus), /healthz and /readyz. Unset: no admin listener; 0 picks a free port (logged as 'admin listening'). `up` opens one for all its components.",
  },
  {
    env: "METRICS_HOST",
    kind: "string",
    for: ALL,
    default: "127.0.0.1",
    help: "Interface of the admin listener; loopback by default, 0.0.0.0 for a Prometheus or kubelet elsewhere.",
  },
  {
    env: "OTEL_EXPORTER_OTLP_ENDPOINT",
    kind: "string",
    for: ALL,
    help: "OpenTelemetry traces go to {this}/v1/traces over OTLP/HTTP (JSON), e.g. http://127.0.0.1:4318 for Jaeger or an OpenTelemetry Collector. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset): no tracing, and the trace SDK is not even loaded. The exporter's other OTEL_EXPORTER_OTLP_* variables (headers, timeout) and OTEL_BSP_* (batching) apply as usual.",
  },
  {
    env: "OTEL_SERVICE_NAME",
    kind: "string",
    for: ALL,
    help: "service.name of this process's spans; default roomgate-<command> (roomgate-gateway, roomgate-manager, roomgate-gameserver, roomgate-up).",
  },
];
