import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import {
  Health,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Status,
} from "../gen/grpc/health/v1/health_pb.js";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter";
import { Cluster } from "../testkit/cluster";
import { gatewayClient, Player } from "../testkit/client";
import { adminPort, probe, probeUntil } from "../testkit/metrics";
import { type RedisProcess, startRedis } from "../testkit/redis-server";

// The probes flip with what they depend on. Redis goes away and comes back (a private
// redis-server, stopped and restarted on its port): the Manager's grpc.health.v1 and the
// Manager's and Gateway's /readyz say not ready, then ready. The Manager goes away: the game
// server (not attached) and the Gateway (no Manager) are not ready until one is back. A draining
// game server is not ready while it drains.

let redis: RedisProcess;
let cluster: Cluster;
let health: grpc.Client;

beforeAll(async () => {
  redis = await startRedis({ appendfsync: "always" });
  const admin = { METRICS_PORT: "0", REDIS_COMMAND_TIMEOUT_MS: "500" };
  cluster = new Cluster({
    redisUrl: redis.url,
    keyPrefix: "health:",
    secret: randomBytes(24).toString("base64url"),
    gateways: 1,
    gameServers: 1,
    gatewayEnv: admin,
    managerEnv: admin,
    gameServerEnv: { METRICS_PORT: "0", REPORT_INTERVAL_MS: "200", DRAIN_MODE: "finish", DRAIN_TIMEOUT_MS: "20000" },
  });
  await cluster.start();
  health = newHealthClient();
}, 60_000);

afterAll(async () => {
  health?.close();
  await cluster?.stop(5000);
  await redis?.stop();
}, 60_000);

function newHealthClient() {
  const Client = grpcClientConstructor(Health);
  return new Client(`127.0.0.1:${cluster.manager.port}`, grpc.credentials.createInsecure());
}

const check = (service = "") => callUnary(health, Health.method.check, { service } as never);

/** A Watch stream and a way to await the next status it sends. */
function watch(service = "") {
  const call = (
    health as unknown as Record<string, (req: unknown) => grpc.ClientReadableStream<HealthCheckResponse>>
  ).watch!.call(health, { service });
  const seen: Status[] = [];
  const waiters: { status: Status; resolve: () => void }[] = [];
  call.on("data", (r: HealthCheckResponse) => {
    seen.push(r.status);
    for (const w of waiters.filter((w) => w.status === r.status)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  call.on("error", () => {});
  return {
    seen,
    next: (status: Status) =>
      seen.at(-1) === status ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ status, resolve })),
    cancel: () => call.cancel(),
  };
}

test("grpc.health.v1 and /readyz follow the store: NOT_SERVING while Redis is down, SERVING again after", async () => {
  const manager = adminPort(cluster.manager.proc);
  const gateway = adminPort(cluster.gateways[0]!.proc);
  const server = adminPort(cluster.gameServers[0]!.proc);
  for (const port of [manager, gateway, server]) await probeUntil(port, "/readyz", 200);
  expect((await check()).status).toBe(Status.SERVING);
  expect((await check("roomgate.v1.ManagerService")).status).toBe(Status.SERVING);
  await expect(check("no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  const w = watch();
  await w.next(Status.SERVING);

  await redis.halt();
  await w.next(Status.NOT_SERVING);
  expect((await check()).status).toBe(Status.NOT_SERVING);
  expect((await probeUntil(manager, "/readyz", 503)).body).toMatchObject({ reasons: { manager: "store unreachable" } });
  expect((await probeUntil(gateway, "/readyz", 503)).body).toMatchObject({ reasons: { gateway: "store unreachable" } });
  // Alive all the while, and a game server needs no Redis: its rooms play on.
  for (const port of [manager, gateway, server]) expect((await probe(port, "/healthz")).status).toBe(200);
  expect((await probe(server, "/readyz")).status).toBe(200);

  await redis.restart();
  await w.next(Status.SERVING);
  expect(w.seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING]);
  await probeUntil(manager, "/readyz", 200);
  await probeUntil(gateway, "/readyz", 200);
  w.cancel();
}, 60_000);

test("without a Manager the game server is not attached and the Gateway reaches none; both ready once one is back", async () => {
  const gateway = adminPort(cluster.gateways[0]!.proc);
  const server = adminPort(cluster.gameServers[0]!.proc);
  await cluster.manager.proc.kill("SIGKILL");
  expect((await probeUntil(server, "/readyz", 503)).body).toMatchObject({
    reasons: { "gameserver gs-0": "not attached to a Manager" },
  });
  expect((await probeUntil(gateway, "/readyz", 503)).body).toMatchObject({
    reasons: { gateway: "no Manager reachable" },
  });
  await cluster.restartManager();
  health.close();
  health = newHealthClient();
  await probeUntil(server, "/readyz", 200);
  await probeUntil(gateway, "/readyz", 200);
  expect((await check()).status).toBe(Status.SERVING);
}, 60_000);

test("a draining game server is not ready while its rooms play out", async () => {
  const gs = cluster.gameServers[0]!;
  const server = adminPort(gs.proc);
  const created = await gatewayClient(cluster.gatewayUrl(0)).createRoom({ playerName: "ann" });
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  gs.proc.child.kill("SIGTERM");
  expect((await probeUntil(server, "/readyz", 503)).body).toMatchObject({ reasons: { "gameserver gs-0": "draining" } });
  expect((await probe(server, "/healthz")).status).toBe(200);
  await ann.player.leave();
  expect(await gs.proc.exited).toMatchObject({ code: 0 });
}, 60_000);
