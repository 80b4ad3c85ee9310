import { collectDefaultMetrics, Gauge, Registry } from "prom-client";

// One Prometheus registry per process. Each component's metrics are module-level (defined once
// when their module loads), so `roomgate up`, which runs a Gateway, a Manager and two game servers
// in one process, registers every metric once: the components' names differ, and what two game
// servers in one process both count is summed, as it would be for one process anyway.
// `roomgate_component_info{component}` says which components a process runs.

export const registry = new Registry();

const componentInfo = new Gauge({
  name: "roomgate_component_info",
  help: "1 for each roomgate component this process runs (gateway, manager, gameserver).",
  labelNames: ["component"] as const,
  registers: [registry],
});

let processMetrics = false;

/**
 * How often Node's event-loop delay is sampled for nodejs_eventloop_lag_* (ms). prom-client's 10
 * wakes every process 100 times a second: an otherwise idle process spent 0.8% of a core on that
 * alone here, against 0.19% at 100 ms, and a scrape every 15 s still gets 150 samples.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Marks a component as running here; the first call also starts Node's default process metrics. */
export function registerComponent(component: "gateway" | "manager" | "gameserver") {
  if (!processMetrics) {
    processMetrics = true;
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
  componentInfo.set({ component }, 1);
}

/** The text Prometheus scrapes. */
export function scrape(): Promise<string> {
  return registry.metrics();
}

export const CONTENT_TYPE = registry.contentType;

/** Latency buckets in seconds, from 0.5 ms (a Redis round trip) to 5 s (a call that timed out). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
