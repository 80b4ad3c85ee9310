import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { GetRoomResponseSchema } from "./gen/roomgate/v1/gateway_pb.js";
import { createGateway } from "./gateway.js";
import { GatewayError } from "./gateway-error.js";

// The SDK's fetch client against a real HTTP server that answers what a Gateway, a proxy or a
// broken network would: every failure rejects as connect-es would have it (a ConnectError to the
// game, with the same code and message), over Connect and over gRPC-Web. The happy paths against
// a real Gateway are in test/client/.

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
let handle: Handler = (_req, _body, res) => res.end();
const seen: { url: string; headers: IncomingMessage["headers"]; body: Buffer }[] = [];
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  seen.push({ url: req.url ?? "", headers: req.headers, body });
  handle(req, body, res);
});
let url = "";

beforeAll(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});

beforeEach(() => {
  seen.length = 0;
});

const ROOM = create(GetRoomResponseSchema, { room: { roomId: "r1", playerCount: 2 } });
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("the call succeeded");
    },
    (e: unknown) => e as GatewayError,
  );

function envelope(flags: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(data.byteLength, 1);
  return Buffer.concat([head, data]);
}

test("Connect: a binary POST to the method's path; the answer decoded; the token asked on every call", async () => {
  handle = (_req, _body, res) =>
    res.writeHead(200, { "content-type": "application/proto" }).end(toBinary(GetRoomResponseSchema, ROOM));
  let asked = 0;
  const gateway = createGateway(`${url}/`, "connect", () => `t${++asked}`);
  expect(await gateway.getRoom({ roomId: "r1" }, { timeoutMs: 5000, headers: { traceparent: "00-x" } })).toEqual(ROOM);
  await gateway.getRoom({ roomId: "r1" });
  expect(seen.map((s) => s.url)).toEqual([
    "/roomgate.v1.GatewayService/GetRoom",
    "/roomgate.v1.GatewayService/GetRoom",
  ]);
  expect(seen[0]!.headers).toMatchObject({
    "content-type": "application/proto",
    "connect-protocol-version": "1",
    "connect-timeout-ms": "5000",
    authorization: "Bearer t1",
    traceparent: "00-x",
  });
  expect(seen[1]!.headers.authorization).toBe("Bearer t2");
  expect([...seen[0]!.body]).toEqual([10, 2, 0x72, 0x31]);
});

test("Connect: the error body's code, message, details and the answer's headers; the SDK's errors are ConnectErrors", async () => {
  handle = (_req, _body, res) =>
    res
      .writeHead(400, { "content-type": "application/json", "retry-after": "3", "trailer-x-why": "because" })
      .end(JSON.stringify({ code: "invalid_argument", message: "bad id", details: [{ type: "a.B", value: "AQI" }] }));
  const e = await failureOf(createGateway(url, "connect").getRoom({ roomId: "?" }));
  expect(e).toBeInstanceOf(GatewayError);
  expect(e).toBeInstanceOf(ConnectError);
  expect(ConnectError.from(e)).toBe(e);
  expect([e.code, e.rawMessage, e.message, e.name]).toEqual([
    Code.InvalidArgument,
    "bad id",
    "[invalid_argument] bad id",
    "ConnectError",
  ]);
  expect(e.details).toEqual([{ type: "a.B", value: new Uint8Array([1, 2]), debug: undefined }]);
  expect([e.metadata.get("retry-after"), e.metadata.get("x-why")]).toEqual(["3", "because"]);

  // A code the protocol does not name: the HTTP status's.
  handle = (_req, _body, res) => res.writeHead(503, { "content-type": "application/json" }).end('{"code":"nope"}');
  expect((await failureOf(createGateway(url, "connect").getRoom({}))).code).toBe(Code.Unavailable);
});

test("Connect: a proxy's page, an unexpected content type, an answer that does not decode, an unreachable Gateway", async () => {
  handle = (_req, _body, res) => res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>");
  const proxy = await failureOf(createGateway(url, "connect").getRoom({}));
  expect([proxy.code, proxy.rawMessage]).toEqual([Code.Unavailable, "HTTP 502"]);
  handle = (_req, _body, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
  const json = await failureOf(createGateway(url, "connect").getRoom({}));
  expect([json.code, json.rawMessage]).toEqual([Code.Internal, "unsupported content type application/json"]);
  handle = (_req, _body, res) => res.writeHead(200, { "content-type": "text/plain" }).end("hi");
  expect((await failureOf(createGateway(url, "connect").getRoom({}))).code).toBe(Code.Unknown);

  handle = (_req, _body, res) => res.writeHead(200, { "content-type": "application/proto" }).end(Buffer.from([10, 5]));
  const garbled = await failureOf(createGateway(url, "connect").getRoom({}));
  expect([garbled.code, garbled.rawMessage]).toEqual([Code.Internal, "parse binary: premature EOF"]);

  const closed = createServer();
  closed.listen(0, "127.0.0.1");
  await once(closed, "listening");
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  await once(closed, "close");
  const down = await failureOf(createGateway(`http://127.0.0.1:${port}`, "connect").getRoom({}));
  expect(down.code).toBe(Code.Unavailable);
  expect(down.rawMessage).toContain(`127.0.0.1:${port}`);
});

test("timeoutMs ends a call that gets no answer as DeadlineExceeded; the caller's signal as Canceled", async () => {
  let heard = () => {};
  handle = () => heard(); // never answers
  const late = await failureOf(createGateway(url, "connect").getRoom({}, { timeoutMs: 50 }));
  expect([late.code, late.rawMessage]).toEqual([Code.DeadlineExceeded, "the operation timed out"]);

  const stop = new AbortController();
  const reached = new Promise<void>((resolve) => (heard = resolve));
  const call = failureOf(createGateway(url, "grpc-web").getRoom({}, { signal: stop.signal }));
  await reached;
  stop.abort();
  const canceled = await call;
  expect(canceled.code).toBe(Code.Canceled);
  // Aborted before it starts: no request at all.
  const before = seen.length;
  expect((await failureOf(createGateway(url, "connect").getRoom({}, { signal: stop.signal }))).code).toBe(
    Code.Canceled,
  );
  expect(seen.length).toBe(before);
});

test("a token function that fails fails the call as Unknown, its error the cause; nothing is sent", async () => {
  const why = new Error("no session");
  const e = await failureOf(
    createGateway(url, "connect", () => {
      throw why;
    }).getRoom({}),
  );
  expect([e.code, e.rawMessage, e.cause]).toEqual([Code.Unknown, "no session", why]);
  expect(seen).toEqual([]);
});

test("gRPC-Web: enveloped request and answer, the status in the trailer", async () => {
  const ok = Buffer.from("grpc-status: 0\r\ngrpc-message: \r\n");
  handle = (_req, _body, res) =>
    res
      .writeHead(200, { "content-type": "application/grpc-web+proto" })
      .end(Buffer.concat([envelope(0, toBinary(GetRoomResponseSchema, ROOM)), envelope(0x80, ok)]));
  expect(await createGateway(url, "grpc-web").getRoom({ roomId: "r1" }, { timeoutMs: 900 })).toEqual(ROOM);
  expect(seen[0]!.headers).toMatchObject({
    "content-type": "application/grpc-web+proto",
    "x-grpc-web": "1",
    "grpc-timeout": "900m",
  });
  expect([...seen[0]!.body]).toEqual([0, 0, 0, 0, 4, 10, 2, 0x72, 0x31]);
});

test("gRPC-Web: a status in the headers alone, in the trailer, in grpc-status-details-bin; broken answers", async () => {
  const gateway = createGateway(url, "grpc-web");
  handle = (_req, _body, res) =>
    res.writeHead(200, { "grpc-status": "5", "grpc-message": "room%20r1%20not%20found" }).end();
  const notFound = await failureOf(gateway.getRoom({}));
  expect([notFound.code, notFound.rawMessage]).toEqual([Code.NotFound, "room r1 not found"]);
  expect(notFound).toBeInstanceOf(ConnectError);

  // google.rpc.Status { code: 3, message: "bad", details: [Any { type_url: "type.googleapis.com/a.B", value: [1] }] }
  const typeUrl = Buffer.from("type.googleapis.com/a.B");
  const any = Buffer.concat([Buffer.from([10, typeUrl.length]), typeUrl, Buffer.from([18, 1, 1])]);
  const status = Buffer.concat([Buffer.from([8, 3, 18, 3]), Buffer.from("bad"), Buffer.from([26, any.length]), any]);
  const trailer = `grpc-status: 3\r\ngrpc-message: bad\r\ngrpc-status-details-bin: ${status.toString("base64")}\r\n`;
  handle = (_req, _body, res) =>
    res.writeHead(200, { "content-type": "application/grpc-web+proto" }).end(envelope(0x80, Buffer.from(trailer)));
  const invalid = await failureOf(gateway.getRoom({}));
  expect([invalid.code, invalid.rawMessage, invalid.details]).toEqual([
    Code.InvalidArgument,
    "bad",
    [{ type: "a.B", value: new Uint8Array([1]) }],
  ]);
  expect(invalid.metadata.get("grpc-message")).toBe("bad");

  handle = (_req, _body, res) => res.writeHead(200).end(envelope(1, Buffer.from([1])));
  expect((await failureOf(gateway.getRoom({}))).code).toBe(Code.Internal);
  handle = (_req, _body, res) => res.writeHead(200).end(envelope(0, Buffer.from([])));
  expect((await failureOf(gateway.getRoom({}))).rawMessage).toBe("missing trailer");
  handle = (_req, _body, res) => res.writeHead(200).end(envelope(0, Buffer.from([1, 2, 3])).subarray(0, 6));
  expect((await failureOf(gateway.getRoom({}))).code).toBe(Code.DataLoss);
  handle = (_req, _body, res) => res.writeHead(429, { "grpc-message": "slow%20down" }).end();
  const limited = await failureOf(gateway.getRoom({}));
  expect([limited.code, limited.rawMessage]).toEqual([Code.Unavailable, "slow down"]);
});
