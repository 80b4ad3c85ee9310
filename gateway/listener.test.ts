import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDualServer, type DualServer } from "./listener";
import { peerAddress } from "./peer-address";

// One port, both HTTP versions: cleartext by sniffing the HTTP/2 preface, TLS by ALPN.

const echo = (req: { httpVersion: string; url?: string }, res: { end(s: string): void }) =>
  res.end(req.url === "/peer" ? String(peerAddress(req as never)) : `v${req.httpVersion}`);

function h2get(url: string, opts: http2.SecureClientSessionOptions = {}, path = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, opts);
    session.on("error", reject);
    const req = session.request({ ":path": path });
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      session.close();
      resolve(body);
    });
    req.on("error", reject);
    req.end();
  });
}

// A throwaway self-signed certificate for localhost, as cert.pem and key.pem in a fresh temp dir.
function selfSignedCertDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  return dir;
}

const tlsFiles = (dir: string) => ({ certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });

describe("cleartext", () => {
  let server: DualServer;
  let port: number;
  beforeAll(async () => {
    server = createDualServer(echo as never);
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(() => server.close(1000));

  test("HTTP/1.1 and HTTP/2 with prior knowledge share the port", async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("v1.1");
    expect(await h2get(`http://127.0.0.1:${port}`)).toBe("v2.0");
  });

  test("both see the peer's address (per-client limits count by it)", async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/peer`)).text()).toBe("127.0.0.1");
    expect(await h2get(`http://127.0.0.1:${port}`, {}, "/peer")).toBe("127.0.0.1");
  });
});

describe("TLS", () => {
  let server: DualServer;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = selfSignedCertDir();
    server = createDualServer(echo as never, tlsFiles(dir));
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  test("HTTP/2 and HTTP/1.1 over TLS share the port", async () => {
    expect(await h2get(`https://127.0.0.1:${port}`, { rejectUnauthorized: false })).toBe("v2.0");
    const h1 = await new Promise<string>((resolve, reject) => {
      https
        .get(`https://127.0.0.1:${port}/`, { rejectUnauthorized: false }, (res) => {
          let b = "";
          res.on("data", (c) => (b += c));
          res.on("end", () => resolve(b));
        })
        .on("error", reject);
    });
    expect(h1).toBe("v1.1");
    expect(await h2get(`https://127.0.0.1:${port}`, { rejectUnauthorized: false }, "/peer")).toBe("127.0.0.1");
  });
});

// Timeouts, shortened through configuration. Each test waits for the event that shows the
// outcome (a close, a GOAWAY, a response) and checks it came no sooner than the timeout allows.

const SHORT = { headersMs: 300, requestMs: 600, keepAliveMs: 300, idleMs: 300 };

/** When the handler last ended a /slow response (the server's idle timers run from its frames). */
let slowEndedAt = 0;

/** The handler: /slow answers after 1.5 s (longer than every timeout); anything else at once. */
const slowOrEcho = (
  req: { url?: string; httpVersion: string; on(ev: string, fn: () => void): void; resume(): void },
  res: { end(s: string): void },
) => {
  req.resume();
  if (req.url === "/slow")
    setTimeout(() => {
      slowEndedAt = performance.now();
      res.end(`slow v${req.httpVersion}`);
    }, 1500);
  else req.on("end", () => res.end(`v${req.httpVersion}`));
};

function closedAfter(socket: net.Socket): Promise<{ ms: number; data: string }> {
  const started = performance.now();
  let data = "";
  socket.on("data", (c) => (data += c));
  socket.on("error", () => {});
  return new Promise((resolve) => socket.once("close", () => resolve({ ms: performance.now() - started, data })));
}

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

describe("timeouts, cleartext", () => {
  let server: DualServer;
  let port: number;
  beforeAll(async () => {
    server = createDualServer(slowOrEcho as never, undefined, SHORT);
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(() => server.close(1000));

  test("a connection that sends nothing is closed after the headers timeout", async () => {
    const { ms, data } = await closedAfter(await connected(port));
    expect(ms).toBeGreaterThanOrEqual(SHORT.headersMs - 20);
    expect(data).toBe("");
  });

  test("HTTP/1.1 headers that never finish get 408 and a close", async () => {
    const s = await connected(port);
    const closed = closedAfter(s);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const { ms, data } = await closed;
    expect(data).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(SHORT.headersMs - 20);
  });

  test("an idle HTTP/1.1 keep-alive connection is closed after the keep-alive timeout", async () => {
    const s = await connected(port);
    const closed = closedAfter(s);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const { ms, data } = await closed;
    expect(data).toMatch(/^HTTP\/1\.1 200[\s\S]*v1\.1$/);
    expect(ms).toBeGreaterThanOrEqual(SHORT.keepAliveMs - 20);
  });

  test("HTTP/1.1: a response slower than every timeout still arrives", async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/slow`)).text()).toBe("slow v1.1");
  });

  test("HTTP/2: a session with no stream gets GOAWAY after the idle timeout; an open stream keeps it", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => {});
    const started = performance.now();
    const goaway = new Promise<number>((resolve) => session.once("goaway", () => resolve(performance.now() - started)));
    // A stream open for 1.5 s, five idle timeouts, with no frame in between.
    const req = session.request({ ":path": "/slow" });
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    await new Promise((resolve) => req.on("end", resolve));
    expect(body).toBe("slow v2.0");
    const ended = performance.now() - started;
    expect(ended).toBeGreaterThanOrEqual(1400);
    // Now it has nothing open: it goes, one idle timeout after the stream's last frame. That frame
    // left the server when the handler ended the response, before the client saw it (how much
    // before depends on the machine's load), so the server's end is the reference.
    expect(await goaway).toBeGreaterThanOrEqual(slowEndedAt - started + SHORT.idleMs - 20);
    await new Promise((resolve) => session.once("close", resolve));
  });

  test("HTTP/2: a request whose body never ends is cancelled after the request timeout", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => {});
    const started = performance.now();
    const req = session.request({ ":path": "/", ":method": "POST" });
    req.on("error", () => {});
    req.write("partial body, and then nothing");
    await new Promise((resolve) => req.once("close", resolve));
    expect(req.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(performance.now() - started).toBeGreaterThanOrEqual(SHORT.requestMs - 20);
    session.destroy();
  });
});

describe("timeouts, TLS", () => {
  let server: DualServer;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = selfSignedCertDir();
    server = createDualServer(slowOrEcho as never, tlsFiles(dir), SHORT);
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a connection that never starts its handshake is closed after the headers timeout", async () => {
    const { ms } = await closedAfter(await connected(port));
    expect(ms).toBeGreaterThanOrEqual(SHORT.headersMs - 20);
  });

  test("an idle HTTP/1.1 keep-alive connection over TLS is closed after the keep-alive timeout", async () => {
    const s = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    await new Promise((resolve) => s.once("secureConnect", resolve));
    const closed = closedAfter(s as net.Socket);
    s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const { ms, data } = await closed;
    expect(data).toMatch(/^HTTP\/1\.1 200[\s\S]*v1\.1$/);
    expect(ms).toBeGreaterThanOrEqual(SHORT.keepAliveMs - 20);
  });

  test("HTTP/2 over TLS: an idle session gets GOAWAY", async () => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on("error", () => {});
    const started = performance.now();
    await new Promise((resolve) => session.once("goaway", resolve));
    expect(performance.now() - started).toBeGreaterThanOrEqual(SHORT.idleMs - 20);
    session.destroy();
  });
});
