import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayClient } from "../testkit/client";
import { buildStandaloneGateway } from "../testkit/standalone-gateway";
import type { DualServer } from "./listener";

// The Gateway's web side: the built UI at / and /dashboard, CORS for other origins, and RPCs
// untouched. The Manager is not under test here, so the allocator is a stand-in that fails.

let dir: string;
let gw: DualServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<h1>demo</h1>");
  writeFileSync(join(dir, "dashboard.html"), "<h1>dashboard</h1>");
  writeFileSync(join(dir, "assets", "app-1a2b.js"), "console.log(1)");
  gw = buildStandaloneGateway({
    webDir: dir,
    corsOrigins: ["https://game.example"],
  });
  base = `http://127.0.0.1:${await gw.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gw.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

test("serves the demo at /, the dashboard at /dashboard, and hashed assets for a year", async () => {
  const index = await fetch(`${base}/`);
  expect(index.headers.get("content-type")).toMatch(/text\/html/);
  expect(await index.text()).toBe("<h1>demo</h1>");
  expect(await (await fetch(`${base}/dashboard`)).text()).toBe("<h1>dashboard</h1>");
  const asset = await fetch(`${base}/assets/app-1a2b.js`);
  expect(asset.headers.get("cache-control")).toMatch(/immutable/);
  expect(asset.headers.get("content-type")).toMatch(/javascript/);
});

test("never serves outside its directory", async () => {
  for (const p of ["/../package.json", "/%2e%2e/package.json", "/assets/../../etc/passwd"]) {
    expect((await fetch(`${base}${p}`)).status).toBe(404);
  }
});

test("answers CORS preflights for allowed origins only, with connect-es's header lists and the game's own", async () => {
  const pre = await fetch(`${base}/roomgate.v1.GatewayService/GetRoom`, {
    method: "OPTIONS",
    headers: {
      origin: "https://game.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,connect-protocol-version",
    },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get("access-control-allow-origin")).toBe("https://game.example");
  expect(pre.headers.get("access-control-allow-headers")).toMatch(/Connect-Protocol-Version/i);
  expect(pre.headers.get("access-control-allow-headers")).toMatch(/X-Grpc-Web/i);
  // A game with verified players sends its token; one that traces, its trace context.
  for (const h of ["authorization", "traceparent", "tracestate"])
    expect(pre.headers.get("access-control-allow-headers")!.toLowerCase().split(/,\s*/)).toContain(h);
  const other = await fetch(`${base}/roomgate.v1.GatewayService/GetRoom`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example" },
  });
  expect(other.headers.get("access-control-allow-origin")).toBeNull();
});

test("RPCs still work beside the files, and expose grpc-status to allowed origins", async () => {
  const err = await gatewayClient(base)
    .getRoom({ roomId: "A".repeat(22) })
    .catch((e) => e);
  expect(String(err)).toMatch(/not found/);
  const res = await fetch(`${base}/roomgate.v1.GatewayService/GetRoom`, {
    method: "POST",
    headers: { origin: "https://game.example", "content-type": "application/json" },
    body: JSON.stringify({ roomId: "A".repeat(22) }),
  });
  expect(res.status).toBe(404);
  expect(res.headers.get("access-control-expose-headers")).toMatch(/Grpc-Status/i);
});
