import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoomgateClient } from "@roomgate/client";
import { startUp } from "../testkit/cluster";
import { redisUrl, uniquePrefix } from "../testkit/test-redis";

// The built `roomgate up`, as an operator runs it: without OTEL_EXPORTER_OTLP_ENDPOINT no module
// of the trace SDK is loaded at all; with it, the spans of a CreateRoom reach an OTLP/HTTP
// receiver (here a bare HTTP server reading the exporter's JSON).

/** Preloaded into the process: on exit, prints which @opentelemetry modules it had loaded. */
const PRELOAD = join(tmpdir(), `roomgate-otel-modules-${process.pid}.js`);
writeFileSync(
  PRELOAD,
  `process.on("exit", () => process.stderr.write(JSON.stringify({ msg: "otel modules", modules: [...new Set(
    Object.keys(require.cache).map((p) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(p)?.[1]).filter(Boolean))] }) + "\\n"));\n`,
);

async function runUp(env: Record<string, string>) {
  const up = await startUp({ NODE_OPTIONS: `--require ${PRELOAD}`, ...env });
  try {
    const url = `http://127.0.0.1:${up.port}`;
    const room = await new RoomgateClient(url).createRoom({ measureRegions: false });
    await room.leave();
  } finally {
    up.proc.kill("SIGTERM");
    await up.proc.exited;
  }
  const line = up.proc.lines.find((l) => l.msg === "otel modules");
  if (!line) throw new Error("the process printed no module list");
  return line.modules as string[];
}

test("with OTEL_EXPORTER_OTLP_ENDPOINT unset, nothing of the trace SDK is loaded", async () => {
  const modules = await runUp({ OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "" });
  // The api is what the code calls (a no-op without an SDK); nothing else may be there.
  expect(modules.filter((m) => m !== "@opentelemetry/api")).toEqual([]);
});

test("with OTEL_EXPORTER_OTLP_ENDPOINT set, a CreateRoom's spans are exported over OTLP/HTTP", async () => {
  const received: { path: string; names: string[]; body: string }[] = [];
  const receiver = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const names = [...body.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]!);
    received.push({ path: req.url ?? "", names, body });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  try {
    const port = (receiver.address() as AddressInfo).port;
    const modules = await runUp({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      // The Redis store, so the ALLOCATE script is in the trace.
      REDIS_URL: redisUrl(),
      REDIS_KEY_PREFIX: uniquePrefix("otlp"),
    });
    expect(modules).toEqual(
      expect.arrayContaining(["@opentelemetry/sdk-trace-node", "@opentelemetry/exporter-trace-otlp-http"]),
    );
    // The shutdown flushes the batch before the process exits.
    expect(received.every((r) => r.path === "/v1/traces")).toBe(true);
    const names = received.flatMap((r) => r.names);
    for (const span of [
      "roomgate.v1.GatewayService/CreateRoom",
      "redis ALLOCATE",
      "roomgate.gameserver/upgrade",
      "roomgate.gameserver/welcome",
    ])
      expect(names).toContain(span);
    expect(received.some((r) => r.body.includes('{"key":"service.name","value":{"stringValue":"roomgate-up"}}'))).toBe(
      true,
    );
  } finally {
    receiver.close();
  }
});
