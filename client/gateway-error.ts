import { Code } from "@connectrpc/connect";

// The error every failed Gateway call rejects with. It is a ConnectError to the game: connect-es
// recognises its errors by shape (ConnectError[Symbol.hasInstance]), so `e instanceof
// ConnectError` and `ConnectError.from(e)` from @connectrpc/connect take it as it is, with the same
// code, rawMessage, metadata (the response's headers) and raw details. Only findDetails is missing:
// it needs protobuf-es's reflection runtime, which the SDK leaves out of browser bundles; decode a
// detail with fromBinary(Schema, detail.value) instead.

/** An error detail as it came over the wire: the message's type name and its bytes. */
export interface GatewayErrorDetail {
  type: string;
  value: Uint8Array;
  debug?: unknown;
}

export class GatewayError extends Error {
  // connect-es's own name: its instanceof check and developer tools both go by it.
  override readonly name = "ConnectError";
  readonly rawMessage: string;
  readonly metadata: Headers;
  readonly details: GatewayErrorDetail[];
  override readonly cause: unknown;

  constructor(
    message: string,
    readonly code: Code = Code.Unknown,
    metadata?: Headers | Record<string, string>,
    details: GatewayErrorDetail[] = [],
    cause?: unknown,
  ) {
    super(message ? `[${codeName(code)}] ${message}` : `[${codeName(code)}]`);
    this.rawMessage = message;
    this.metadata = new Headers(metadata);
    this.details = details;
    this.cause = cause;
  }
}

/** Code.NotFound as "not_found": the Connect protocol's names, and what error messages start with. */
export function codeName(code: Code): string {
  const name = Code[code];
  return typeof name === "string" ? name.replace(/[A-Z]/g, (c, at) => (at ? "_" : "") + c.toLowerCase()) : String(code);
}

/** The Connect protocol's code for its name; undefined for a name it does not define. */
export function codeFromName(name: string): Code | undefined {
  for (const value of Object.values(Code)) if (typeof value === "number" && codeName(value) === name) return value;
  return undefined;
}

/** The status of a Gateway call that failed, Code.Unknown for any other error (as ConnectError.from(e).code). */
export function codeOf(e: unknown): Code {
  return e instanceof GatewayError ? e.code : Code.Unknown;
}

/**
 * The code for an HTTP status that came without a protocol status, as the Connect and gRPC-Web
 * protocols both map them (connectrpc.com/docs/protocol#http-to-error-code).
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}
