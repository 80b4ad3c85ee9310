import type { OpenSocket } from "./socket.js";

// The SDK's one hook for tracing, so that a game that does not trace bundles no tracing code:
// RoomgateClientOptions.tracing, which @roomgate/client/tracing fills with OpenTelemetry
// (openTelemetry()). Without it the SDK sends no trace context at all.

/** W3C trace context headers (traceparent, and tracestate when there is one). */
export type TraceHeaders = Readonly<Record<string, string>>;

/** How the SDK traces a game's call (createRoom, joinRoom, joinOrCreate), until the welcome. */
export interface ClientTracing {
  /**
   * Runs `call` inside a span named `name` and settles as it does; `call` gets the span's trace
   * headers, which the SDK sends to the Gateway and on the room's first WebSocket.
   */
  span<T>(name: string, call: (headers: TraceHeaders) => Promise<T>): Promise<T>;
}

export function traced<T>(
  tracing: ClientTracing | undefined,
  name: string,
  call: (headers: TraceHeaders) => Promise<T>,
): Promise<T> {
  return tracing ? tracing.span(name, call) : call({});
}

/**
 * The socket opener for a room's first connection: it carries the call's traceparent, the ones
 * after it (reconnections, maybe minutes later) do not, as they belong to no call of the game's.
 */
export function tracedFirstOpen(open: OpenSocket, traceparent: string | undefined): OpenSocket {
  let first = true;
  return (url, handlers, protocols) => {
    const tp = first ? traceparent : undefined;
    first = false;
    return open(url, handlers, protocols, tp);
  };
}
