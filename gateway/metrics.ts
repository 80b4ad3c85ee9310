import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter } from "prom-client";
import { refusals } from "../common/metrics/refusals.js";
import { registry } from "../common/metrics/registry.js";

// The Gateway's metrics, all from one interceptor that sees every call and its outcome: calls by
// method and code, refusals by reason, quick-join outcomes and seats held by the join tokens it
// hands out. Labels are method and code names only (bounded), never a room or a player.

const requests = new Counter({
  name: "roomgate_gateway_requests_total",
  help: "Gateway RPCs by method and outcome (a Connect code name: ok, invalid_argument, resource_exhausted, ...).",
  labelNames: ["method", "code"] as const,
  registers: [registry],
});

const quickJoins = new Counter({
  name: "roomgate_quickjoin_total",
  help: "JoinOrCreate outcomes: joined (a seat in an open room), created (a new room), failed.",
  labelNames: ["outcome"] as const,
  registers: [registry],
});
for (const outcome of ["joined", "created", "failed"]) quickJoins.inc({ outcome }, 0);

const seats = new Counter({
  name: "roomgate_seats_held_total",
  help: "Seats held for a join token the Gateway handed out (CreateRoom, JoinRoom, JoinOrCreate); each is held until its player is in or the token expires.",
  registers: [registry],
});

const placements = new Counter({
  name: "roomgate_gateway_allocations_total",
  help: "Rooms this Gateway was asked to place, by result: created (placed in the store itself), no_servers, full, over_cap (answered as a Manager would), or why it asked a Manager instead: needs_open (the server must be asked to open it), not_token (metadata too large for a token), existing, collision, unreached, store_down (with GATEWAY_PLACES_ROOMS=false every room goes to a Manager uncounted here).",
  labelNames: ["result"] as const,
  registers: [registry],
});

/** One room this Gateway placed, refused, or handed to a Manager (store-placement.ts). */
export function countPlacement(result: string) {
  placements.inc({ result });
}

const TICKETS = new Set(["CreateRoom", "JoinRoom", "JoinOrCreate"]);

function codeName(code: Code): string {
  return Code[code]?.replace(/[A-Z]/g, (c, i) => (i ? "_" : "") + c.toLowerCase()) ?? "unknown";
}

/** Why a call was refused at the edge, if it was: what the per-client limits, the proto rules or a token check said. */
function refusal(e: ConnectError): keyof typeof refusals.gateway | undefined {
  if (e.code === Code.InvalidArgument) return "validation";
  if (e.code === Code.Unauthenticated || e.code === Code.PermissionDenied) return "token";
  // A full room is resource_exhausted too, but only a rate limit says when to come back.
  if (e.code === Code.ResourceExhausted && e.metadata.has("retry-after")) return "rate_limit";
  return undefined;
}

/** Counts every call; goes first, so it sees what the limits and the validation refuse. */
export function metricsInterceptor(): Interceptor {
  return (next) => async (req) => {
    const method = req.method.name;
    try {
      const res = await next(req);
      requests.inc({ method, code: "ok" });
      if (TICKETS.has(method)) seats.inc();
      if (method === "JoinOrCreate")
        quickJoins.inc({ outcome: (res.message as { created?: boolean }).created ? "created" : "joined" });
      return res;
    } catch (e) {
      const err = ConnectError.from(e);
      requests.inc({ method, code: codeName(err.code) });
      const reason = refusal(err);
      if (reason) refusals.gateway[reason]++;
      if (method === "JoinOrCreate") quickJoins.inc({ outcome: "failed" });
      throw e;
    }
  };
}
