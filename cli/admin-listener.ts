import { int, str, type Values } from "../common/config.js";
import type { Logger } from "../common/log.js";
import { type AdminServer, startAdminServer } from "../common/metrics/admin-server.js";
import { adminToken } from "./components.js";

/**
 * The process's admin listener (metrics and probes) when METRICS_PORT is set; one per process,
 * `up` included. Only an ADMIN_TOKEN the operator set guards /metrics: the one `up` makes when
 * none is set changes at every start, which no scrape configuration could follow.
 */
export function startAdmin(v: Values, log: Logger): Promise<AdminServer | undefined> {
  if (v.METRICS_PORT === undefined) return Promise.resolve(undefined);
  return startAdminServer({
    host: str(v, "METRICS_HOST") ?? "127.0.0.1",
    port: int(v, "METRICS_PORT"),
    token: adminToken(v, false),
    log,
  });
}
