import { ALL, type Setting } from "./component.js";

// The admin listener every component can open: Prometheus metrics and the health probes.
// ADMIN_TOKEN (settings-gateway.ts), when set, guards its /metrics.

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
];
