// The URLs both sides of the wire agree on: where a player's WebSocket goes, and the Gateway's
// round-trip probe. The game server and the Gateway route them; the SDK and test clients build them.

/** A room's WebSocket lives at {serverAddress}/rooms/{roomId}?token={joinToken}. */
export const ROOMS_PATH = "/rooms";
/** The query parameter that carries the join token (checked before the upgrade). */
export const JOIN_TOKEN_PARAM = "token";
/** GET (or HEAD) {gatewayUrl}/ping: a tiny uncached answer that clients time to pick a region. */
export const PING_PATH = "/ping";

export function roomUrl(serverAddress: string, roomId: string, joinToken: string): string {
  return `${serverAddress.replace(/\/+$/, "")}${ROOMS_PATH}/${encodeURIComponent(roomId)}?${JOIN_TOKEN_PARAM}=${encodeURIComponent(joinToken)}`;
}
