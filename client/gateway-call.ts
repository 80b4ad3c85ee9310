import { Code } from "@connectrpc/connect";
import { GatewayError } from "./gateway-error.js";
import type { TokenSource } from "./options.js";

// One unary call to the Gateway over fetch (browsers and Node 18+ alike): Connect or gRPC-Web,
// binary protobuf, a timeout and cancellation through AbortSignal. Failures reject as
// GatewayError with the codes connect-es gives them: the server's status; Canceled when the
// caller's signal aborts; DeadlineExceeded when timeoutMs runs out; Unavailable when the Gateway
// cannot be reached at all (as connect-node had it; connect-web said Unknown); Internal for an
// answer that does not decode; Unknown for anything else thrown on the way (a token function's).

export const SERVICE = "roomgate.v1.GatewayService";

export interface CallOptions {
  signal?: AbortSignal;
  /** The call's deadline, also sent to the Gateway. */
  timeoutMs?: number;
  /** Extra request headers (the trace context). */
  headers?: Readonly<Record<string, string>>;
}

/** What differs between the protocols (call-connect.ts, call-grpc-web.ts): headers, framing, where the status is. */
export interface WireProtocol {
  headers(h: Headers, timeoutMs: number | undefined): void;
  frame(message: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>;
  /** The answer's message bytes, or throws its status as a GatewayError. */
  unframe(res: Response, body: Uint8Array): Uint8Array;
}

export type Call = <O>(
  method: string,
  encode: () => Uint8Array<ArrayBuffer>,
  decode: (bytes: Uint8Array) => O,
  options?: CallOptions,
) => Promise<O>;

export function gatewayCaller(baseUrl: string, wire: WireProtocol, token: TokenSource | undefined): Call {
  const base = baseUrl.replace(/\/+$/, "");
  return async (method, encode, decode, o = {}) => {
    const abort = new AbortController();
    const onAbort = () => abort.abort(o.signal?.reason);
    o.signal?.addEventListener("abort", onAbort);
    if (o.signal?.aborted) onAbort();
    const deadline =
      o.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => abort.abort(new GatewayError("the operation timed out", Code.DeadlineExceeded)),
            o.timeoutMs,
          );
    try {
      const headers = new Headers(o.headers);
      if (token !== undefined) headers.set("authorization", `Bearer ${await bearerToken(token)}`);
      wire.headers(headers, o.timeoutMs);
      const body = wire.frame(encode());
      let res: Response;
      let bytes: Uint8Array;
      try {
        // No redirects: a Gateway never sends one, and following it would repost the call elsewhere.
        res = await fetch(`${base}/${SERVICE}/${method}`, {
          method: "POST",
          headers,
          body,
          signal: abort.signal,
          redirect: "error",
        });
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        if (abort.signal.aborted) throw e;
        const cause = (e as { cause?: { message?: string } }).cause?.message;
        throw new GatewayError(
          `${(e as Error).message}${cause ? `: ${cause}` : ""} (${base})`,
          Code.Unavailable,
          undefined,
          undefined,
          e,
        );
      }
      const message = wire.unframe(res, bytes);
      try {
        return decode(message);
      } catch (e) {
        throw new GatewayError(`parse binary: ${(e as Error).message}`, Code.Internal, res.headers, undefined, e);
      }
    } catch (e) {
      throw failure(e, abort.signal);
    } finally {
      clearTimeout(deadline);
      o.signal?.removeEventListener("abort", onAbort);
    }
  };
}

/** As connect-es words a failed call: the abort's reason wins, then the error itself. */
function failure(e: unknown, signal: AbortSignal): GatewayError {
  const reason = signal.aborted ? signal.reason : e;
  if (reason instanceof GatewayError) return reason;
  if (signal.aborted || (reason instanceof Error && (reason.name === "AbortError" || reason.name === "TimeoutError")))
    return new GatewayError(
      reason instanceof Error ? reason.message : String(reason),
      Code.Canceled,
      undefined,
      undefined,
      reason,
    );
  const message = reason instanceof Error ? reason.message : String(reason);
  return new GatewayError(message, Code.Unknown, undefined, undefined, reason);
}

async function bearerToken(source: TokenSource): Promise<string> {
  const token = typeof source === "string" ? source : await source();
  if (typeof token !== "string" || token.length === 0)
    throw new TypeError("token: the token function returned no token");
  return token;
}
