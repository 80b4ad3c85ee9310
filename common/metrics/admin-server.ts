import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AdminToken } from "../admin-token.js";
import type { Logger } from "../log.js";
import { notReady } from "./probes.js";
import { CONTENT_TYPE, scrape } from "./registry.js";

// The admin listener: GET /metrics (Prometheus), /healthz (alive) and /readyz (ready), on a port
// of its own (METRICS_PORT, loopback by default). Probes and scrapes never share the public
// listener, so they are not rate-limited or counted as players, a load balancer never exposes
// them, and a game server's probe keeps answering "not ready" while its WebSocket listener is
// already closed for a drain. With ADMIN_TOKEN set, /metrics requires `Authorization: Bearer
// <ADMIN_TOKEN>`; the probes say only ok or not, and stay open for the kubelet.

export interface AdminServerOptions {
  host: string;
  /** 0: a free port (the log line says which). */
  port: number;
  /** Required as a bearer token on /metrics when set. */
  token?: string;
  log: Logger;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, token: AdminToken) {
  const path = (req.url ?? "").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, { error: "GET only" });
  switch (path) {
    case "/healthz":
      return json(res, 200, { status: "ok" });
    case "/readyz": {
      const reasons = notReady();
      const ready = Object.keys(reasons).length === 0;
      return json(res, ready ? 200 : 503, ready ? { status: "ready" } : { status: "not ready", reasons });
    }
    case "/metrics":
      if (token.configured && token.verdict(req.headers.authorization) !== "ok") {
        res.writeHead(401, { "www-authenticate": 'Bearer realm="roomgate admin"', "content-type": "text/plain" });
        return res.end("401: /metrics needs Authorization: Bearer <ADMIN_TOKEN>\n");
      }
      res.writeHead(200, { "content-type": CONTENT_TYPE });
      return res.end(await scrape());
    default:
      return json(res, 404, { error: "not found: /metrics, /healthz, /readyz" });
  }
}

export function startAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  const token = new AdminToken(o.token);
  const server = createServer((req, res) => {
    handle(req, res, token).catch((e) => {
      o.log.error("admin request failed", { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) json(res, 500, { error: "internal" });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      o.log.info("admin listening", { host: o.host, port, metricsToken: !!o.token });
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
