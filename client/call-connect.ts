import { Code } from "@connectrpc/connect";
import { base64Decode } from "@bufbuild/protobuf/wire";
import type { WireProtocol } from "./gateway-call.js";
import { codeFromHttpStatus, codeFromName, GatewayError, type GatewayErrorDetail } from "./gateway-error.js";

// The Connect protocol's unary calls (connectrpc.com/docs/protocol), binary: the request is the
// message itself, an answer is 200 with the message, and an error any other status with a JSON
// body {code, message, details}, its trailing metadata in "trailer-" headers.

const PROTO = /^application\/proto$/i;
const JSON_TYPE = /^application\/json(?:; ?charset=utf-?8)?$/i;
const ANY_CONNECT_TYPE = /^application\/(?:connect\+)?(?:json(?:; ?charset=utf-?8)?|proto)$/i;

export const connectProtocol: WireProtocol = {
  headers(h, timeoutMs) {
    h.set("content-type", "application/proto");
    h.set("connect-protocol-version", "1");
    if (timeoutMs !== undefined) h.set("connect-timeout-ms", String(timeoutMs));
  },
  frame: (message) => message,
  unframe(res, body) {
    const type = res.headers.get("content-type") ?? "";
    const metadata = untrailed(res.headers);
    if (res.status !== 200) {
      const code = codeFromHttpStatus(res.status);
      throw (
        (JSON_TYPE.test(type) && errorFromJson(body, code, metadata)) ||
        new GatewayError(`HTTP ${res.status}`, code, metadata)
      );
    }
    if (!PROTO.test(type))
      throw new GatewayError(
        `unsupported content type ${type}`,
        ANY_CONNECT_TYPE.test(type) ? Code.Internal : Code.Unknown,
        metadata,
      );
    return body;
  },
};

/** Headers and trailers ("trailer-" headers in a unary answer) in one, as connect-es reports them. */
function untrailed(headers: Headers): Headers {
  const out = new Headers();
  for (const [key, value] of headers) out.append(key.startsWith("trailer-") ? key.slice(8) : key, value);
  return out;
}

/**
 * The error in a Connect error body, its code `byStatus` (the HTTP status's) when it names none it
 * knows; undefined when the body is not one (the HTTP status then speaks alone).
 */
function errorFromJson(body: Uint8Array, byStatus: Code, metadata: Headers): GatewayError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const { code, message, details } = json as { code?: unknown; message?: unknown; details?: unknown };
  if (message != null && typeof message !== "string") return undefined;
  const parsed: GatewayErrorDetail[] = [];
  if (Array.isArray(details)) {
    for (const d of details as { type?: unknown; value?: unknown; debug?: unknown }[]) {
      if (typeof d !== "object" || d === null || typeof d.type !== "string" || typeof d.value !== "string")
        return undefined;
      try {
        parsed.push({ type: d.type, value: base64Decode(d.value), debug: d.debug });
      } catch {
        return undefined;
      }
    }
  }
  const named = typeof code === "string" ? codeFromName(code) : undefined;
  return new GatewayError(message ?? "", named ?? byStatus, metadata, parsed);
}
