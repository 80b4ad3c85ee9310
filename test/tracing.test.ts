import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import WebSocket from "ws";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { RoomgateClient } from "@roomgate/client";
import { openTelemetry } from "@roomgate/client/tracing";
import { readSettings } from "../common/config";
import { silentLogger } from "../common/log";
import type { RoomStore } from "../common/store/store";
import { startTracing, type Tracing } from "../common/tracing/sdk";
import { joinTokens, openStore, startGateway, startManager, startOneGameServer, type Stop } from "../cli/components";
import { redisUrl, uniquePrefix } from "../testkit/test-redis";

// One CreateRoom from the SDK (`tracing: openTelemetry()`) is one trace across the Gateway
// (Connect), the Manager (grpc-js, when the Gateway does not place the room itself), the store's
// ALLOCATE script and the game server's upgrade,
// open and welcome. The components run in this process (as `roomgate up` composes them) but talk
// over real sockets and Redis, so each hop's parent comes from the traceparent it was sent, never
// from the process's async context: uWS calls back from native code and every server reads
// requests off its own sockets.

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let store: RoomStore;
const stops: Stop[] = [];
let gatewayUrl = "";
/** A Gateway that asks the Manager for every room (GATEWAY_PLACES_ROOMS=false). */
let askingGatewayUrl = "";
let serverAddress = "";

beforeAll(async () => {
  tracing = await startTracing({ serviceName: "roomgate-test", env: {}, exporter });
  const env = {
    REDIS_URL: redisUrl(),
    REDIS_KEY_PREFIX: uniquePrefix("tracing"),
    ROOMGATE_SECRET: "tracing-test-secret-0123456789",
    MANAGER_PORT: "0",
    GATEWAY_PORT: "0",
    GAMESERVER_PORT: "0",
  };
  const v = readSettings("up", [], env);
  store = openStore(v, false, silentLogger);
  const manager = await startManager(v, store, silentLogger, undefined);
  stops.push(manager.stop);
  const managerAddress = `127.0.0.1:${manager.port}`;
  const tokens = joinTokens(v, false);
  const gs = await startOneGameServer(v, 0, managerAddress, tokens, store, store, silentLogger);
  stops.push(gs.stop);
  serverAddress = gs.address;
  const gateway = await startGateway(v, store, managerAddress, tokens, silentLogger, undefined);
  stops.push(gateway.stop);
  gatewayUrl = `http://127.0.0.1:${gateway.port}`;
  const askingV = readSettings("up", [], { ...env, GATEWAY_PLACES_ROOMS: "false" });
  const asking = await startGateway(askingV, store, managerAddress, tokens, silentLogger, undefined);
  stops.push(asking.stop);
  askingGatewayUrl = `http://127.0.0.1:${asking.port}`;
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await store?.close();
  await tracing?.shutdown();
});

function only(spans: ReadableSpan[], name: string, kind?: SpanKind): ReadableSpan {
  const found = spans.filter((s) => s.name === name && (kind === undefined || s.kind === kind));
  if (found.length !== 1) throw new Error(`expected one span ${name}, got ${found.length}: ${names(spans)}`);
  return found[0]!;
}

const names = (spans: ReadableSpan[]) => spans.map((s) => `${s.name}(${SpanKind[s.kind]})`).join(", ");
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

/** A traced CreateRoom and the room's first join (the game server may race the first call). */
async function tracedCreate(url: string): Promise<ReadableSpan[]> {
  let room;
  for (let i = 0; ; i++) {
    exporter.reset();
    try {
      const client = new RoomgateClient(url, { tracing: openTelemetry() });
      room = await client.createRoom({ measureRegions: false, playerName: "tracer" });
      break;
    } catch (e) {
      if (i >= 50 || !/no game server|unavailable/i.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await room.leave();
  return exporter.getFinishedSpans().filter((s) => s.name !== "roomgate.gameserver/leave");
}

/** The game server's part of a traced CreateRoom: its upgrade (the token opens the room), open and welcome. */
function expectServerSpans(spans: ReadableSpan[], sdk: ReadableSpan) {
  const upgrade = only(spans, "roomgate.gameserver/upgrade", SpanKind.SERVER);
  const open = only(spans, "roomgate.gameserver/open");
  const welcome = only(spans, "roomgate.gameserver/welcome");
  const traceId = sdk.spanContext().traceId;
  expect(spans.filter((s) => s.spanContext().traceId !== traceId).map((s) => s.name)).toEqual([]);
  expect(parentOf(sdk)).toBeUndefined();
  expect(parentOf(upgrade)).toBe(idOf(sdk));
  expect(parentOf(open)).toBe(idOf(upgrade));
  expect(parentOf(welcome)).toBe(idOf(open));
}

test("one CreateRoom is one trace: SDK, Gateway, ALLOCATE (the Gateway places the room), the game server's upgrade (its token opens the room), open and welcome", async () => {
  const spans = await tracedCreate(gatewayUrl);
  const sdk = only(spans, "roomgate.client/createRoom");
  const gateway = only(spans, "roomgate.v1.GatewayService/CreateRoom", SpanKind.SERVER);
  const allocate = only(spans, "redis ALLOCATE", SpanKind.CLIENT);
  // No Manager hop and no open_room round trip: the server opens the room on its first token.
  expect(spans.filter((s) => s.name.startsWith("roomgate.v1.ManagerService/"))).toEqual([]);
  expect(spans.filter((s) => s.name === "roomgate.manager/openRoom")).toEqual([]);
  expectServerSpans(spans, sdk);
  expect(parentOf(gateway)).toBe(idOf(sdk));
  expect(parentOf(allocate)).toBe(idOf(gateway));
  expect(allocate.attributes["db.system"]).toBe("redis");
  expect(gateway.attributes["rpc.method"]).toBe("CreateRoom");
  // Store scripts outside a trace (sweeps, heartbeats) make no spans of their own.
  expect(spans.every((s) => !s.name.startsWith("redis ") || parentOf(s) === idOf(gateway))).toBe(true);
});

test("with GATEWAY_PLACES_ROOMS=false the trace runs SDK, Gateway, Manager, ALLOCATE, then the game server's spans", async () => {
  const spans = await tracedCreate(askingGatewayUrl);
  const sdk = only(spans, "roomgate.client/createRoom");
  const gateway = only(spans, "roomgate.v1.GatewayService/CreateRoom", SpanKind.SERVER);
  const toManager = only(spans, "roomgate.v1.ManagerService/AllocateRoom", SpanKind.CLIENT);
  const manager = only(spans, "roomgate.v1.ManagerService/AllocateRoom", SpanKind.SERVER);
  const allocate = only(spans, "redis ALLOCATE", SpanKind.CLIENT);
  // No open_room round trip: the Manager answers once the room is placed.
  expect(spans.filter((s) => s.name === "roomgate.manager/openRoom")).toEqual([]);
  expectServerSpans(spans, sdk);
  expect(parentOf(gateway)).toBe(idOf(sdk));
  expect(parentOf(toManager)).toBe(idOf(gateway));
  expect(parentOf(manager)).toBe(idOf(toManager));
  expect(parentOf(allocate)).toBe(idOf(manager));
  expect(spans.every((s) => !s.name.startsWith("redis ") || parentOf(s) === idOf(manager))).toBe(true);
});

test("without options.tracing the SDK sends no trace context: no client span, the Gateway's and the upgrade's spans are roots", async () => {
  exporter.reset();
  const room = await new RoomgateClient(gatewayUrl).createRoom({ measureRegions: false, playerName: "untraced" });
  await room.leave();
  const spans = exporter.getFinishedSpans();
  expect(spans.filter((s) => s.name.startsWith("roomgate.client/"))).toEqual([]);
  const gateway = only(spans, "roomgate.v1.GatewayService/CreateRoom", SpanKind.SERVER);
  const upgrade = only(spans, "roomgate.gameserver/upgrade", SpanKind.SERVER);
  expect([parentOf(gateway), parentOf(upgrade)]).toEqual([undefined, undefined]);
  expect(upgrade.spanContext().traceId).not.toBe(gateway.spanContext().traceId);
});

test("a browser's traceparent rides in a subprotocol; a refused upgrade is an error span in that trace", async () => {
  exporter.reset();
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const parent = "b7ad6b7169203331";
  const ws = new WebSocket(`${serverAddress}/rooms/no-such-room`, [
    "roomgate.v1",
    `roomgate.traceparent.00-${traceId}-${parent}-01`,
  ]);
  const status = await new Promise<number>((resolve) =>
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode!)),
  );
  ws.on("error", () => {}); // the terminate below ends a handshake that never completed
  ws.terminate();
  expect(status).toBe(401);
  const upgrade = only(exporter.getFinishedSpans(), "roomgate.gameserver/upgrade", SpanKind.SERVER);
  expect(upgrade.spanContext().traceId).toBe(traceId);
  expect(parentOf(upgrade)).toBe(parent);
  expect(upgrade.status.code).toBe(SpanStatusCode.ERROR);
  expect(upgrade.attributes["http.response.status_code"]).toBe(401);
});
