import type { Context, Span } from "@opentelemetry/api";
import { contextOf, extractContext, failed, SpanKind, startSpan, tracingEnabled } from "../common/tracing/spans.js";
import { TRACE_SUBPROTOCOL_PREFIX } from "@roomgate/client/protocol/urls";

// A player's connection in the caller's trace: the upgrade (token and admission checks) as a
// server span, child of the traceparent the SDK sent (a header from Node, a subprotocol from
// browsers); then the open (the token spent in the store) and, inside it, the welcome (the room
// takes the player). uWS calls these from native code, so the context travels in the socket's data.

/** The upgrade's span, or nothing when tracing is off. `offered`: the subprotocols, already split. */
export function upgradeSpan(header: (name: string) => string, offered: string[], roomId: string): Span | undefined {
  if (!tracingEnabled()) return undefined;
  const fromSubprotocol = offered.find((p) => p.startsWith(TRACE_SUBPROTOCOL_PREFIX));
  const traceparent = header("traceparent") || fromSubprotocol?.slice(TRACE_SUBPROTOCOL_PREFIX.length);
  return startSpan("roomgate.gameserver/upgrade", {
    kind: SpanKind.SERVER,
    parent: extractContext((name) => (name === "traceparent" ? traceparent : header(name) || undefined)),
    attributes: { "roomgate.room_id": roomId },
  });
}

/** Ends the upgrade's span (refused: with the HTTP status) and returns the context the open continues in. */
export function endUpgrade(
  span: Span | undefined,
  refusedWith?: { status: number; reason: string },
): Context | undefined {
  if (!span) return undefined;
  if (refusedWith) {
    span.setAttribute("http.response.status_code", refusedWith.status);
    failed(span, new Error(refusedWith.reason));
  }
  span.end();
  return contextOf(span);
}

/** The open's span and the welcome's inside it; `end` closes both (with the failure, if any). */
export function connectionSpans(parent: Context | undefined) {
  if (!parent) return { welcome: (join: () => boolean) => join(), end: (_error?: unknown) => undefined };
  const open = startSpan("roomgate.gameserver/open", { parent });
  return {
    /** Runs the join, whose welcome it times; a join the room refused (false) is an error span. */
    welcome(join: () => boolean): boolean {
      const span = startSpan("roomgate.gameserver/welcome", { parent: contextOf(open) });
      try {
        const joined = join();
        if (!joined) failed(span, new Error("the room did not take the player"));
        return joined;
      } finally {
        span?.end();
      }
    },
    end(error?: unknown) {
      if (error !== undefined) failed(open, error);
      open?.end();
    },
  };
}
