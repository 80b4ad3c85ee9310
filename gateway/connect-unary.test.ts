import * as http from "node:http";
import { gzipSync } from "node:zlib";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import {
  type CreateRoomRequest,
  CreateRoomRequestSchema,
  CreateRoomResponseSchema,
  GatewayService,
} from "../gen/roomgate/v1/gateway_pb.js";
import { createDualServer, type DualServer } from "./listener.js";
import { nodeAdapter } from "./node-adapter.js";
import { validationInterceptor } from "./validation.js";
import { withMisreadAsInvalidArgument } from "./parse-errors.js";

// The lean Connect unary path (connect-unary.ts) against connect-es itself: two Gateways' adapters
// over the same implementation and interceptors, one with the lean path and one without, must give
// every request the same status, headers and body: answers, errors with their metadata and
// details, misread bodies, timeouts, compression both ways, size limits, headers and trailers set
// by the implementation or an interceptor.

const READ_MAX = 4096;

/** What the implementation does is named by the request's player name. */
async function createRoom(req: CreateRoomRequest, ctx: HandlerContext) {
  switch (req.playerName) {
    case "refuse":
      throw new ConnectError("room is full", Code.ResourceExhausted, { "retry-after": "3" });
    case "crash":
      throw new Error("a bug");
    case "headers":
      ctx.responseHeader.set("x-room", "r1");
      ctx.responseHeader.append("set-cookie", "a=1");
      ctx.responseHeader.append("set-cookie", "b=2");
      ctx.responseTrailer.set("x-after", "done");
      ctx.responseTrailer.append("x-after", "again");
      break;
    case "wait":
      waiting.entered();
      await new Promise((_resolve, reject) =>
        ctx.signal.addEventListener(
          "abort",
          () => {
            waiting.aborted(ctx.signal.reason);
            reject(ctx.signal.reason);
          },
          { once: true },
        ),
      );
      break;
    case "deadline":
      return { roomId: String(ctx.timeoutMs() !== undefined && ctx.timeoutMs()! > 0) };
  }
  return create(CreateRoomResponseSchema, {
    roomId: "room-1",
    playerId: req.playerName,
    joinToken: req.playerName === "big" ? "t".repeat(5000) : "token",
  });
}

/** Sets a header on the way in and one on the way out, as a real interceptor may. */
const tagging: Interceptor = (next) => async (req) => {
  const res = await next(req);
  if (req.header.get("x-tag")) res.header.set("x-tagged", req.header.get("x-tag")!);
  return res;
};

/** Told when a waiting call starts waiting, and why its signal fired. */
const waiting = { entered: () => {}, aborted: (_reason: unknown) => {} };
/** Calls connect-es's own handlers served, by adapter. */
const viaConnectEs = { lean: 0, plain: 0 };

const routes = (which: keyof typeof viaConnectEs) => (router: ConnectRouter) => {
  router.service(GatewayService, { createRoom });
  router.handlers.forEach((h, i) => {
    router.handlers[i] = Object.assign((req: Parameters<typeof h>[0]) => {
      viaConnectEs[which]++;
      return h(req);
    }, h);
  });
};

async function gateway(lean: boolean): Promise<{ server: DualServer; port: number }> {
  const handler = nodeAdapter({
    routes: withMisreadAsInvalidArgument(routes(lean ? "lean" : "plain")),
    unary: lean ? [{ service: GatewayService, impl: { createRoom } }] : undefined,
    interceptors: [tagging, validationInterceptor()],
    readMaxBytes: READ_MAX,
    fallback: (_req, res) => {
      res.writeHead(404);
      res.end();
    },
  });
  const server = createDualServer(handler);
  return { server, port: await server.listen("127.0.0.1", 0) };
}

interface Sent {
  headers: Record<string, string>;
  body: Uint8Array | string;
  path?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Headers that differ between any two answers (time, connection handling). */
const TRANSPORT = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

function send(port: number, s: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: s.path ?? "/roomgate.v1.GatewayService/CreateRoom",
        headers: s.headers,
        agent: false,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => {
          const headers: Answer["headers"] = {};
          for (const [k, v] of Object.entries(r.headers)) if (!TRANSPORT.has(k)) headers[k] = v;
          resolve({ status: r.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("base64") });
        });
      },
    );
    req.on("error", reject);
    req.end(s.body);
  });
}

const proto = (init: MessageInitShape<typeof CreateRoomRequestSchema>) =>
  toBinary(CreateRoomRequestSchema, create(CreateRoomRequestSchema, init));
const PROTO = { "content-type": "application/proto" };
const JSON_TYPE = { "content-type": "application/json" };
/** A binary CreateRoom for `playerName`, with these headers besides its content type. */
const binary = (headers: Record<string, string>, playerName = "ann"): Sent => ({
  headers: { ...PROTO, ...headers },
  body: proto({ playerName }),
});

const CASES: Record<string, Sent> = {
  "a binary call": { headers: PROTO, body: proto({ playerName: "ann" }) },
  "a JSON call": { headers: JSON_TYPE, body: JSON.stringify({ playerName: "ann" }) },
  "JSON with a charset": { headers: { "content-type": "application/json; charset=utf-8" }, body: "{}" },
  "an empty body": { headers: PROTO, body: "" },
  "bytes that are no message": { headers: PROTO, body: new Uint8Array([0x0a, 0xff, 0xff]) },
  "text that is no JSON": { headers: JSON_TYPE, body: "{not json" },
  "JSON of the wrong shape": { headers: JSON_TYPE, body: JSON.stringify({ playerName: 5 }) },
  "a request the rules refuse": { headers: PROTO, body: proto({ playerName: "x".repeat(65) }) },
  "a refusal with metadata": { headers: PROTO, body: proto({ playerName: "refuse" }) },
  "an implementation that throws": { headers: PROTO, body: proto({ playerName: "crash" }) },
  "headers and trailers set by the implementation": { headers: PROTO, body: proto({ playerName: "headers" }) },
  "a header set by an interceptor": { headers: { ...PROTO, "x-tag": "t1" }, body: proto({ playerName: "ann" }) },
  "a timeout that is not a number": { headers: { ...PROTO, "connect-timeout-ms": "soon" }, body: proto({}) },
  "a timeout too long to read": { headers: { ...PROTO, "connect-timeout-ms": "12345678901" }, body: proto({}) },
  "a timeout the implementation waits out": binary({ "connect-timeout-ms": "30" }, "wait"),
  "a timeout the implementation reads": binary({ "connect-timeout-ms": "10000" }, "deadline"),
  "a gzipped request": {
    headers: { ...PROTO, "content-encoding": "gzip" },
    body: gzipSync(proto({ playerName: "ann" })),
  },
  "an encoding nobody knows": { headers: { ...PROTO, "content-encoding": "zstd" }, body: proto({}) },
  "a large answer to a client that takes gzip": binary({ "accept-encoding": "br, gzip" }, "big"),
  "a small answer to a client that takes gzip": binary({ "accept-encoding": "gzip" }),
  "a body over the read limit": { headers: PROTO, body: new Uint8Array(READ_MAX + 1) },
  "a gzipped body that grows over the read limit": {
    headers: { ...PROTO, "content-encoding": "gzip" },
    body: gzipSync(new Uint8Array(READ_MAX * 4)),
  },
  "a streaming content type": { headers: { "content-type": "application/connect+proto" }, body: proto({}) },
  "a gRPC content type": { headers: { "content-type": "application/grpc" }, body: proto({}) },
  "a method not implemented": {
    headers: PROTO,
    body: new Uint8Array(),
    path: "/roomgate.v1.GatewayService/ListRegions",
  },
};

describe("the lean Connect unary path", () => {
  let lean: { server: DualServer; port: number };
  let plain: { server: DualServer; port: number };
  beforeAll(async () => {
    lean = await gateway(true);
    plain = await gateway(false);
  });
  afterAll(async () => {
    await lean.server.close(1000);
    await plain.server.close(1000);
  });

  it.each(Object.entries(CASES))("answers %s as connect-es does", async (_name, sent) => {
    const [a, b] = await Promise.all([send(lean.port, sent), send(plain.port, sent)]);
    expect(a).toEqual(b);
  });

  it("serves Connect unary calls itself and leaves every other request to connect-es", async () => {
    const before = { ...viaConnectEs };
    await send(lean.port, CASES["a binary call"]!);
    await send(lean.port, CASES["a JSON call"]!);
    expect(viaConnectEs.lean).toBe(before.lean);
    await send(lean.port, CASES["a gRPC content type"]!);
    await send(lean.port, CASES["a streaming content type"]!);
    expect(viaConnectEs.lean).toBe(before.lean + 2);
  });

  it("serves Connect unary calls over HTTP/2 as well", async () => {
    const before = viaConnectEs.lean;
    const call = (port: number) =>
      createClient(
        GatewayService,
        createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "2" }),
      ).createRoom({ playerName: "bob" });
    const [a, b] = await Promise.all([call(lean.port), call(plain.port)]);
    expect(a).toEqual(b);
    expect(a.playerId).toBe("bob");
    expect(viaConnectEs.lean).toBe(before);
    await expect(
      createClient(
        GatewayService,
        createConnectTransport({ baseUrl: `http://127.0.0.1:${lean.port}`, httpVersion: "2" }),
      ).createRoom({ playerName: "refuse" }),
    ).rejects.toMatchObject({ code: Code.ResourceExhausted });
  });

  it("aborts a call's signal as canceled when its client leaves", async () => {
    const inImplementation = new Promise<void>((resolve) => (waiting.entered = resolve));
    const reason = new Promise<unknown>((resolve) => (waiting.aborted = resolve));
    const req = http.request({
      host: "127.0.0.1",
      port: lean.port,
      method: "POST",
      path: "/roomgate.v1.GatewayService/CreateRoom",
      headers: PROTO,
      agent: false,
    });
    req.on("error", () => {});
    req.end(proto({ playerName: "wait" }));
    await inImplementation;
    req.destroy();
    expect(ConnectError.from(await reason).code).toBe(Code.Canceled);
    waiting.entered = () => {};
    waiting.aborted = () => {};
  });

  it("has cases that reach the implementation, its errors and each kind of refusal", async () => {
    const statuses = new Set<number>();
    for (const sent of Object.values(CASES)) statuses.add((await send(lean.port, sent)).status);
    // ok, invalid_argument, resource_exhausted (429), internal, deadline_exceeded (504), unimplemented (501), 415
    for (const s of [200, 400, 429, 500, 504, 501, 415]) expect(statuses).toContain(s);
  });

  it("answers any body and content type as connect-es does", async () => {
    const types = ["application/proto", "application/json", "application/json; charset=utf-8", "application/JSON"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...types), fc.uint8Array({ maxLength: 64 }), async (type, body) => {
        const sent = { headers: { "content-type": type }, body };
        const [a, b] = await Promise.all([send(lean.port, sent), send(plain.port, sent)]);
        expect(a).toEqual(b);
      }),
      { numRuns: 150 },
    );
  });
});
