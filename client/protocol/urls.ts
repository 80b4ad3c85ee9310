// The URLs both sides of the wire agree on: where a player's WebSocket goes, and the Gateway's
// round-trip probe. The game server and the Gateway route them; the SDK and test clients build them.

/** A room's WebSocket lives at {serverAddress}/rooms/{roomId}?token={joinToken}. */
export const ROOMS_PATH = "/rooms";
/** The query parameter that carries the join token (checked before the upgrade). */
export const JOIN_TOKEN_PARAM = "token";
/**
 * Browsers cannot set headers on a WebSocket, and a token in the URL ends up in logs: they offer
 * the join token as a subprotocol instead, beside ROOM_SUBPROTOCOL, which the server selects.
 */
export const ROOM_SUBPROTOCOL = "roomgate.v1";
export const TOKEN_SUBPROTOCOL_PREFIX = "roomgate.token.";
/**
 * Browsers offer their W3C traceparent the same way (hex digits and dashes: valid in a
 * subprotocol); Node clients send a `traceparent` header. The server reads either and echoes neither.
 */
export const TRACE_SUBPROTOCOL_PREFIX = "roomgate.traceparent.";
/** GET (or HEAD) {gatewayUrl}/ping: a tiny uncached answer that clients time to pick a region. */
export const PING_PATH = "/ping";

/** The room's WebSocket URL; without a token, the token goes in the subprotocols (roomSubprotocols). */
export function roomUrl(serverAddress: string, roomId: string, joinToken?: string): string {
  const url = `${serverAddress.replace(/\/+$/, "")}${ROOMS_PATH}/${encodeURIComponent(roomId)}`;
  return joinToken === undefined ? url : `${url}?${JOIN_TOKEN_PARAM}=${encodeURIComponent(joinToken)}`;
}

/** The subprotocols that carry a join token (its characters are all valid in a subprotocol). */
export function roomSubprotocols(joinToken: string): string[] {
  return [ROOM_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${joinToken}`];
}
