import { Code } from "@connectrpc/connect";
import { BinaryReader, base64Decode } from "@bufbuild/protobuf/wire";
import type { WireProtocol } from "./gateway-call.js";
import { codeFromHttpStatus, GatewayError, type GatewayErrorDetail } from "./gateway-error.js";
import { readFields, readMessage, readString } from "./wire-fields.js";

// gRPC-Web's unary calls (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md), binary: request
// and answer are enveloped (a flags byte, a big-endian length, the bytes), and the status comes in
// a last envelope of HTTP/1-style trailer lines, or in the headers when there is nothing else.

const TRAILER = 0x80;
const COMPRESSED = 0x01;

export const grpcWebProtocol: WireProtocol = {
  headers(h, timeoutMs) {
    h.set("content-type", "application/grpc-web+proto");
    h.set("x-grpc-web", "1");
    if (timeoutMs !== undefined) h.set("grpc-timeout", `${timeoutMs}m`);
  },
  frame(message) {
    const out = new Uint8Array(5 + message.byteLength);
    new DataView(out.buffer).setUint32(1, message.byteLength);
    out.set(message, 5);
    return out;
  },
  unframe(res, body) {
    if (res.status < 200 || res.status >= 300)
      throw new GatewayError(
        uriDecoded(res.headers.get("grpc-message") ?? `HTTP ${res.status}`),
        codeFromHttpStatus(res.status),
        res.headers,
      );
    let message: Uint8Array | undefined;
    let trailer: Headers | undefined;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let pos = 0; pos < body.byteLength; ) {
      if (pos + 5 > body.byteLength)
        throw new GatewayError("protocol error: incomplete envelope", Code.DataLoss, res.headers);
      const flags = body[pos]!;
      const length = view.getUint32(pos + 1);
      const data = body.subarray(pos + 5, pos + 5 + length);
      pos += 5 + length;
      if (data.byteLength !== length)
        throw new GatewayError("protocol error: incomplete envelope", Code.DataLoss, res.headers);
      if (flags & COMPRESSED)
        throw new GatewayError("protocol error: received unsupported compressed output", Code.Internal, res.headers);
      if (flags & TRAILER) {
        if (trailer) throw new GatewayError("protocol error: extra trailer", Code.Unknown, res.headers);
        trailer = parseTrailer(data);
      } else {
        if (message) throw new GatewayError("extra message", Code.Unimplemented, res.headers);
        message = data;
      }
    }
    const hasStatus = res.headers.has("grpc-status");
    if (!trailer) {
      // A trailers-only answer: the status is in the headers.
      throw (
        statusError(res.headers) ??
        new GatewayError("missing trailer", hasStatus ? Code.Unimplemented : Code.Unknown, res.headers)
      );
    }
    const metadata = new Headers(res.headers);
    for (const [key, value] of trailer) metadata.append(key, value);
    const error = statusError(trailer, metadata);
    if (error) throw error;
    if (!hasStatus && !trailer.has("grpc-status"))
      throw new GatewayError("protocol error: missing status", Code.Internal, metadata);
    if (!message) throw new GatewayError("missing message", Code.Unimplemented, metadata);
    return message;
  },
};

function parseTrailer(data: Uint8Array): Headers {
  const headers = new Headers();
  for (const line of new TextDecoder().decode(data).split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return headers;
}

/** The status in `h` as an error; undefined for OK or none. grpc-status-details-bin, when there, wins. */
function statusError(h: Headers, metadata: Headers = h): GatewayError | undefined {
  const bin = h.get("grpc-status-details-bin");
  if (bin !== null) {
    const status = decodeStatus(base64Decode(bin));
    return status.code === 0 ? undefined : new GatewayError(status.message, status.code, metadata, status.details);
  }
  const code = h.get("grpc-status");
  if (code === null || code === "0") return undefined;
  const n = Number.parseInt(code, 10);
  if (!(n in Code)) return new GatewayError(`invalid grpc-status: ${code}`, Code.Internal, metadata);
  return new GatewayError(uriDecoded(h.get("grpc-message") ?? ""), n, metadata);
}

function uriDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3 } */
function decodeStatus(bytes: Uint8Array): { code: number; message: string; details: GatewayErrorDetail[] } {
  const status = { code: 0, message: "", details: [] as GatewayErrorDetail[] };
  return readFields(new BinaryReader(bytes), bytes.byteLength, status, (r, s, no) => {
    if (no === 1) s.code = r.int32();
    else if (no === 2) s.message = readString(r);
    else if (no === 3) {
      // Any { string type_url = 1; bytes value = 2 }; the type is what follows the URL's last "/".
      const any = readMessage(r, { typeUrl: "", value: new Uint8Array(0) as Uint8Array }, (r, a, no) => {
        if (no === 1) a.typeUrl = readString(r);
        else if (no === 2) a.value = r.bytes();
        else return false;
        return true;
      });
      s.details.push({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1), value: any.value });
    } else return false;
    return true;
  });
}
