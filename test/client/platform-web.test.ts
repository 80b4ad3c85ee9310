import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import WebSocket from "ws";
import { startCluster } from "../harness/cluster";
import { nextEvent, text } from "../../testkit/sdk-events";

// The browser build: what a bundler sees when it resolves the SDK's package.json "imports" under the
// "browser" condition (from the sources, as the repo's own Vite build does), and that build run for
// real (the SDK's fetch client, `ws` standing in for the DOM WebSocket). What the bundle holds in the
// end, tree-shaken: bundle.test.ts; the same build in Chromium: web/sdk.test.ts.

const root = resolve(__dirname, "../..");
type Target = string | { [condition: string]: Target };
const packageImports: Record<string, Target> = JSON.parse(
  readFileSync(resolve(root, "client/package.json"), "utf8"),
).imports;

jest.mock("#platform", () => jest.requireActual("../../client/platform-web.js"));

/** A "#name" import as the repo's browser build resolves it: conditions "browser", "roomgate-source", then "default". */
function browserImport(spec: string): string {
  let target = packageImports[spec];
  if (!target) throw new Error(`client/package.json has no "imports" entry for ${spec}`);
  while (typeof target !== "string") {
    const next: Target | undefined = target.browser ?? target["roomgate-source"] ?? target.default;
    if (!next) throw new Error(`no browser target for ${spec}`);
    target = next;
  }
  return resolve(root, "client", target);
}

/** Every module reachable from `entry` under the browser condition, and the packages they use. */
function browserGraph(entry: string) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    for (const m of src.matchAll(
      /\b(?:import|export)\s[^;]*?from\s+"([^"]+)"|\bimport\s*\(\s*"([^"]+)"|\brequire\s*\(\s*"([^"]+)"/g,
    )) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith("#")) visit(browserImport(spec));
      else if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => f.slice(root.length + 1)), packages: [...packages] };
}

test("under the browser condition, nothing Node-only is reachable from the SDK's index.ts", () => {
  const { files, packages } = browserGraph(resolve(root, "client/index.ts"));
  expect(files).toEqual(
    expect.arrayContaining([
      "client/platform-web.ts",
      "client/socket-web.ts",
      "client/gateway-call.ts",
      "client/frames.ts",
      "client/room.ts",
    ]),
  );
  expect(files.filter((f) => /-node\.ts$/.test(f))).toEqual([]);
  // The SDK (package @roomgate/client) reaches nothing outside client/.
  expect(files.filter((f) => !/^client\//.test(f))).toEqual([]);
  const node = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  expect(packages.filter((p) => node.has(p) || p === "ws" || p.startsWith("@connectrpc/connect-node"))).toEqual([]);
  // Neither Connect's web client nor tracing: the SDK's own fetch client, and tracing only when asked for.
  expect(packages.filter((p) => p === "@connectrpc/connect-web" || p.startsWith("@opentelemetry/"))).toEqual([]);
  expect(files).not.toContain("client/tracing.ts");
});

describe("the browser build against a real mesh", () => {
  let env: Awaited<ReturnType<typeof startCluster>>;
  const g = globalThis as { WebSocket?: unknown };
  const hadWebSocket = "WebSocket" in g;
  const previous = g.WebSocket;

  beforeAll(async () => {
    g.WebSocket = WebSocket;
    env = await startCluster("sdk-web", { gateways: 1, gameServers: 1 });
  }, 60_000);

  afterAll(async () => {
    if (hadWebSocket) g.WebSocket = previous;
    else delete g.WebSocket;
    await env?.stop();
  }, 60_000);

  test.each(["connect", "grpc-web"] as const)("create, join, talk, ping and leave over %s", async (protocol) => {
    // Loaded after the mock is in place, so RoomgateClient is built on platform-web.
    const { RoomgateClient } = await import("@roomgate/client");
    // The SDK's "#platform" is platform-node.ts under jest's mapping; the mock above replaced it.
    expect((await import("../../client/platform-node.js")).openSocket).toBe(
      (await import("../../client/platform-web.js")).openSocket,
    );
    const c = new RoomgateClient(env.cluster.gatewayUrl(0), { protocol });
    const ann = await c.createRoom({ playerName: "ann" });
    const joined = nextEvent(ann, "playerJoined");
    const bob = await c.joinRoom(ann.roomId, { playerName: "bob" });
    expect((await joined).id).toBe(bob.playerId);
    const got = nextEvent(bob, "message");
    ann.broadcast(text("from the browser build"));
    expect(await got).toEqual({ fromPlayerId: ann.playerId, payload: text("from the browser build") });
    expect(await bob.ping()).toBeGreaterThan(0);
    expect((await c.getRoom(ann.roomId)).playerCount).toBe(2);
    const left = nextEvent(ann, "playerLeft");
    await bob.leave();
    expect(await left).toBe(bob.playerId);
    const closed = nextEvent(ann, "closed");
    await ann.leave();
    expect(await closed).toMatchObject({ code: 1000 });
    expect(ann.connection).toBe("closed");
  });
});
