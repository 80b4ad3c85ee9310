import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";

// The operator's credential at the Gateway: ADMIN_TOKEN, sent as `authorization: Bearer <token>`.
// Without one configured, the operator calls are off (secure by default): a Gateway on the
// internet never shows its cluster to whoever asks.

/** Shortest ADMIN_TOKEN accepted: guessing it must cost more than any rate limit allows. */
export const MIN_ADMIN_TOKEN_CHARS = 16;

const digest = (s: string) => createHash("sha256").update(s).digest();

export class AdminToken {
  private readonly expected?: Buffer;

  constructor(token: string | undefined) {
    // Compared as digests: equal lengths for timingSafeEqual, and no timing on the token's length.
    this.expected = token ? digest(token) : undefined;
  }

  /** Throws the status a caller without the token gets; returns when the header carries it. */
  check(method: string, authorization: string | null) {
    if (!this.expected)
      throw new ConnectError(
        `${method} is off on this Gateway: it was started without ADMIN_TOKEN (set one to let operators in)`,
        Code.FailedPrecondition,
      );
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m)
      throw new ConnectError(
        `${method} needs the operator token: send 'authorization: Bearer <ADMIN_TOKEN>' (the dashboard asks for it)`,
        Code.Unauthenticated,
      );
    if (!timingSafeEqual(digest(m[1]!), this.expected))
      throw new ConnectError(`${method}: the operator token is not this Gateway's ADMIN_TOKEN`, Code.Unauthenticated);
  }
}
