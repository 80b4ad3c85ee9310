import * as http2 from "node:http2";
import * as net from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStandaloneGateway } from "../testkit/standalone-gateway";
import { createDualServer, type DualServer } from "./listener";

// The Gateway's edge under requests no client library would send: each gets a status code, the
// client's mistakes a 4xx, and the process serves the next request.

const CREATE = "/roomgate.v1.GatewayService/CreateRoom";
const WATCH = "/roomgate.v1.GatewayService/WatchCluster";
/** An unterminated varint: no message decodes from it. */
const GARBAGE = new Uint8Array([0x0a, 0xff, 0xff, 0xff]);

const envelope = (flags: number, data: Uint8Array) => {
  const out = Buffer.alloc(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(data.length, 1);
  out.set(data, 5);
  return out;
};

let dir: string;
let gw: DualServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-edge-"));
  writeFileSync(join(dir, "index.html"), "<h1>demo</h1>");
  gw = buildStandaloneGateway({
    webDir: dir,
  });
  base = `http://127.0.0.1:${await gw.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gw.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

test("a malformed percent-escape in the path gets 400, and the Gateway serves on", async () => {
  for (const path of ["/%E0%A4%A", "/%", "/assets/%zz", "/dashboard%C0"]) {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/malformed percent-encoding/);
  }
  expect((await fetch(`${base}/`)).status).toBe(200);
});

test("a handler that throws costs its request a 500, never the process", async () => {
  const errors: unknown[] = [];
  const server = createDualServer(
    (req, res) => {
      if (req.url === "/boom") throw new Error("boom");
      res.end("fine");
    },
    undefined,
    undefined,
    { maxConcurrentStreams: 10, onHandlerError: (e) => errors.push(e) },
  );
  const port = await server.listen("127.0.0.1", 0);
  try {
    expect((await fetch(`http://127.0.0.1:${port}/boom`)).status).toBe(500);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("fine");
    expect(errors).toEqual([new Error("boom")]);
  } finally {
    await server.close(1000);
  }
});

describe("a body that is not the method's message is invalid_argument, not internal", () => {
  test("Connect, binary", async () => {
    const res = await fetch(`${base}${CREATE}`, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: GARBAGE,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: "invalid_argument", message: expect.stringMatching(/^parse binary: /) });
  });

  test("Connect, streaming (WatchCluster)", async () => {
    const res = await fetch(`${base}${WATCH}`, {
      method: "POST",
      headers: { "content-type": "application/connect+proto" },
      body: envelope(0, GARBAGE),
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(body[0]).toBe(0b10); // end of stream
    expect(JSON.parse(body.subarray(5).toString())).toEqual({
      error: { code: "invalid_argument", message: expect.stringMatching(/^parse binary: /) },
    });
  });

  test("gRPC-Web, undecodable and compressed without an encoding", async () => {
    for (const body of [envelope(0, GARBAGE), envelope(1, GARBAGE)]) {
      const res = await fetch(`${base}${CREATE}`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto" },
        body,
      });
      const raw = Buffer.from(await res.arrayBuffer());
      const status = res.headers.get("grpc-status") ?? /grpc-status: *(\d+)/.exec(raw.subarray(5).toString())?.[1];
      expect(status).toBe("3");
    }
  });

  test("gRPC over HTTP/2", async () => {
    const session = http2.connect(base);
    try {
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": CREATE,
          "content-type": "application/grpc",
          te: "trailers",
        });
        let got: http2.IncomingHttpHeaders = {};
        req.on("response", (h) => (got = { ...h }));
        req.on("trailers", (t) => (got = { ...got, ...t }));
        req.on("end", () => resolve(got));
        req.on("error", reject);
        req.resume();
        req.end(envelope(0, GARBAGE));
      });
      expect(trailers["grpc-status"]).toBe("3");
    } finally {
      session.close();
    }
  });
});

describe("HTTP/2 concurrent streams are capped", () => {
  let server: DualServer;
  let port: number;
  let served = 0;
  beforeAll(async () => {
    // Never answers: every stream it gets stays open.
    server = createDualServer(() => void served++, undefined, undefined, { maxConcurrentStreams: 3 });
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(() => server.close(200));

  test("the cap is advertised in SETTINGS", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const settings = await new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve));
    session.destroy();
    expect(settings.maxConcurrentStreams).toBe(3);
  });

  test("a client that ignores it loses the connection, and no stream past the cap reaches a handler", async () => {
    const frames = await rawH2(port, 5);
    // nghttp2 treats the 4th stream as a connection error and the session is torn down: the PING
    // sent after the streams is never answered, and only the first 3 streams reached the handler.
    expect(frames.some((f) => f.type === 6 && f.flags & 1)).toBe(false);
    expect(frames.filter((f) => f.type === 3 || f.type === 7).length).toBeGreaterThan(0); // RST_STREAM or GOAWAY
    expect(served).toBe(3);
  });
});

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/**
 * Opens `streams` GET streams at once on a raw connection, as a client that ignores the server's
 * SETTINGS would, and returns the frames the server sent until it answered a PING or hung up.
 */
function rawH2(port: number, streams: number): Promise<Frame[]> {
  const frame = (type: number, flags: number, stream: number, payload = Buffer.alloc(0)) => {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream, 5);
    return Buffer.concat([head, payload]);
  };
  // HPACK from the static table: :method GET, :scheme http, :path /, and :authority "a" not indexed.
  const headers = Buffer.from([0x82, 0x86, 0x84, 0x01, 0x01, 0x61]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const frames: Frame[] = [];
    let buf = Buffer.alloc(0);
    let sent = false;
    socket.on("error", reject);
    socket.on("close", () => resolve(frames));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
        const len = buf.readUIntBE(0, 3);
        const f = {
          type: buf[3]!,
          flags: buf[4]!,
          stream: buf.readUInt32BE(5) & 0x7fffffff,
          payload: buf.subarray(9, 9 + len),
        };
        buf = buf.subarray(9 + len);
        frames.push(f);
        if (f.type === 4 && !(f.flags & 1) && !sent) {
          // The server's SETTINGS: acknowledge them (the cap now binds), then open every stream.
          sent = true;
          const opens = Array.from({ length: streams }, (_, i) => frame(1, 0x4, 2 * i + 1, headers));
          socket.write(Buffer.concat([frame(4, 1, 0), ...opens, frame(6, 0, 0, Buffer.alloc(8))]));
        }
        if (f.type === 6 && f.flags & 1) socket.destroy();
      }
    });
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), frame(4, 0, 0)]));
  });
}
