import { createHash, timingSafeEqual } from "node:crypto";

// The operator's credential: ADMIN_TOKEN, sent as `authorization: Bearer <token>` to the Gateway
// (WatchCluster, the dashboard) and, when the Manager has one too, to its operator RPCs.

/** Shortest ADMIN_TOKEN accepted: guessing it must cost more than any rate limit allows. */
export const MIN_ADMIN_TOKEN_CHARS = 16;

/** What a request's authorization header is worth: the token, none, a wrong one, or no token is set here. */
export type AdminVerdict = "ok" | "missing" | "wrong" | "unset";

const digest = (s: string) => createHash("sha256").update(s).digest();

export class AdminToken {
  private readonly expected?: Buffer;

  constructor(token: string | undefined) {
    // Compared as digests: equal lengths for timingSafeEqual, and no timing on the token's length.
    this.expected = token ? digest(token) : undefined;
  }

  get configured(): boolean {
    return this.expected !== undefined;
  }

  verdict(authorization: string | null | undefined): AdminVerdict {
    if (!this.expected) return "unset";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return "missing";
    return timingSafeEqual(digest(m[1]!), this.expected) ? "ok" : "wrong";
  }
}

/** The message a caller gets for a verdict other than "ok". */
export function adminRefusal(method: string, verdict: Exclude<AdminVerdict, "ok">): string {
  if (verdict === "unset")
    return `${method} is off here: this process was started without ADMIN_TOKEN (set one to let operators in)`;
  if (verdict === "missing")
    return `${method} needs the operator token: send 'authorization: Bearer <ADMIN_TOKEN>' (the dashboard asks for it)`;
  return `${method}: the operator token is not this ADMIN_TOKEN`;
}
