import type * as http from "node:http";
import type * as http2 from "node:http2";

// The peer behind a request, on either HTTP version. Cleartext HTTP/2 sessions run on a replaying
// stream that Node wraps again, so their requests cannot see the peer's address: the listener
// notes it for each session here, and per-client limits read it back.

const sessionPeers = new WeakMap<http2.Http2Session, string | undefined>();

/** Called by the listener when it opens a session on a socket it sniffed. */
export function notePeer(session: http2.Http2Session, address: string | undefined): void {
  sessionPeers.set(session, address);
}

/** The address of the peer that sent this request, on either HTTP version. */
export function peerAddress(req: http.IncomingMessage | http2.Http2ServerRequest): string | undefined {
  const session = "stream" in req ? req.stream?.session : undefined;
  if (session && sessionPeers.has(session)) return sessionPeers.get(session);
  return req.socket?.remoteAddress;
}
