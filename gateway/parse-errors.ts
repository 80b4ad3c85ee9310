import type { ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";

// A request body that is not the method's message is the client's mistake: invalid_argument.
// connect-es answers undecodable binary protobuf (and a compressed envelope without an
// encoding) with `internal` before any interceptor runs, so the answer is corrected on its way
// out, in each protocol's own place for the status: the JSON body of a Connect unary error, the
// end-stream message of a Connect stream, the grpc-status of gRPC trailers (headers when
// trailers-only) and the trailer envelope of gRPC-Web.

const MISREAD = /^(parse binary: |received compressed envelope, but do not know how to decompress)/;

/** Whether connect-es's `internal` error with this message is a request it could not read. */
export function isMisread(message: string): boolean {
  return MISREAD.test(message);
}
const INTERNAL = "13";
const INVALID_ARGUMENT = "3";
/** Envelope flags: Connect's end of stream, gRPC-Web's trailers, and compressed data (left alone). */
const END_STREAM = 0b10;
const GRPC_WEB_TRAILER = 0x80;
const COMPRESSED = 0b1;

/** The routes, with every handler's misread-request answers turned into invalid_argument. */
export function withMisreadAsInvalidArgument(routes: (router: ConnectRouter) => void) {
  return (router: ConnectRouter) => {
    routes(router);
    router.handlers.forEach((h, i) => {
      router.handlers[i] = Object.assign(async (req: Parameters<UniversalHandler>[0]) => correct(await h(req)), h);
    });
  };
}

async function correct(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const type = res.header?.get("content-type") ?? "";
  if (res.header) fixGrpcStatus(res.header); // gRPC and gRPC-Web trailers-only answers
  if (!res.body) return res;
  if (res.status === 500 && type.startsWith("application/json")) return fixConnectUnary(res, res.body);
  if (type.startsWith("application/grpc-web") || type.startsWith("application/connect+")) {
    return { ...res, body: fixEnvelopes(res.body) };
  }
  if (type.startsWith("application/grpc") && res.trailer)
    return { ...res, body: fixTrailerAfter(res.body, res.trailer) };
  return res;
}

function fixGrpcStatus(h: Headers) {
  if (h.get("grpc-status") !== INTERNAL) return;
  let message = h.get("grpc-message") ?? "";
  try {
    message = decodeURIComponent(message);
  } catch {
    return;
  }
  if (MISREAD.test(message)) h.set("grpc-status", INVALID_ARGUMENT);
}

async function fixConnectUnary(
  res: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
): Promise<UniversalServerResponse> {
  let bytes = Buffer.concat(await collect(body));
  try {
    const err = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string };
    if (err.code !== "internal" || !MISREAD.test(err.message ?? "")) return { ...res, body: once(bytes) };
    bytes = Buffer.from(JSON.stringify({ ...err, code: "invalid_argument" }));
  } catch {
    return { ...res, body: once(bytes) };
  }
  res.header?.set("content-length", String(bytes.byteLength));
  return { ...res, status: 400, body: once(bytes) };
}

/** gRPC writes its trailers once the body has been sent; they are corrected in place before that. */
async function* fixTrailerAfter(body: AsyncIterable<Uint8Array>, trailer: Headers) {
  yield* body;
  fixGrpcStatus(trailer);
}

/** Re-frames an envelope stream, correcting the final envelope (Connect end-stream or gRPC-Web trailers). */
async function* fixEnvelopes(body: AsyncIterable<Uint8Array>) {
  let pending = Buffer.alloc(0);
  for await (const chunk of body) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    while (pending.length >= 5) {
      const size = pending.readUInt32BE(1);
      if (pending.length < 5 + size) break;
      yield fixEnvelope(pending[0]!, pending.subarray(5, 5 + size));
      pending = pending.subarray(5 + size);
    }
  }
  if (pending.length) yield pending;
}

function fixEnvelope(flags: number, data: Buffer): Uint8Array {
  const out =
    flags & COMPRESSED
      ? data
      : flags & GRPC_WEB_TRAILER
        ? fixGrpcWebTrailer(data)
        : flags & END_STREAM
          ? fixEndStream(data)
          : data;
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(out.length, 1);
  return Buffer.concat([head, out]);
}

function fixGrpcWebTrailer(data: Buffer): Buffer {
  const h = new Headers();
  for (const line of data.toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) h.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (h.get("grpc-status") !== INTERNAL) return data;
  fixGrpcStatus(h);
  let text = "";
  for (const [key, value] of h) text += `${key}: ${value}\r\n`;
  return Buffer.from(text);
}

function fixEndStream(data: Buffer): Buffer {
  try {
    const end = JSON.parse(data.toString("utf8")) as { error?: { code?: string; message?: string } };
    if (end.error?.code !== "internal" || !MISREAD.test(end.error.message ?? "")) return data;
    end.error.code = "invalid_argument";
    return Buffer.from(JSON.stringify(end));
  } catch {
    return data;
  }
}

async function collect(body: AsyncIterable<Uint8Array>) {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return chunks;
}

async function* once(bytes: Uint8Array) {
  yield bytes;
}
