import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDualServer, type DualServer } from "./listener";

// One port, both HTTP versions: cleartext by sniffing the HTTP/2 preface, TLS by ALPN.

const echo = (req: { httpVersion: string }, res: { end(s: string): void }) => res.end(`v${req.httpVersion}`);

function h2get(url: string, opts: http2.SecureClientSessionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, opts);
    session.on("error", reject);
    const req = session.request({ ":path": "/" });
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
});

describe("TLS", () => {
  let server: DualServer;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "roomgate-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    server = createDualServer(echo as never, { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });
    port = await server.listen("127.0.0.1", 0);
  });
  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  test("HTTP/2 and HTTP/1.1 over TLS share the port", async () => {
    expect(await h2get(`https://127.0.0.1:${port}`, { rejectUnauthorized: false })).toBe("v2.0");
    const h1 = await new Promise<string>((resolve, reject) => {
      https.get(`https://127.0.0.1:${port}/`, { rejectUnauthorized: false }, (res) => {
        let b = "";
        res.on("data", (c) => (b += c));
        res.on("end", () => resolve(b));
      }).on("error", reject);
    });
    expect(h1).toBe("v1.1");
  });
});
