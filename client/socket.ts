// The one WebSocket shape the Room needs, so the Node (`ws`) and browser implementations are
// interchangeable and the Room never sees either.

export interface SocketHandlers {
  /** One whole binary frame. */
  message(data: Uint8Array): void;
  /**
   * Called exactly once, whether the socket was ever open or not. `error` says why a socket that
   * never opened failed (connection refused, upgrade refused with its HTTP status) when the
   * platform tells us; text frames also end up here, as the protocol is binary only.
   */
  close(code: number, reason: string, error?: Error): void;
}

export interface RoomSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

/**
 * `protocols`: the subprotocols to offer (they carry the join token: protocol/urls.ts roomSubprotocols).
 * `traceparent`: the W3C trace context to send with the upgrade (client/tracing.ts), when tracing.
 */
export type OpenSocket = (
  url: string,
  handlers: SocketHandlers,
  protocols?: string[],
  traceparent?: string,
) => RoomSocket;

/** WebSocket's "abnormal closure": no close frame was received (RFC 6455 section 7.1.5). */
export const ABNORMAL_CLOSURE = 1006;
