import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import {
  AllocateRoomRequestSchema,
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  DrainServerRequestSchema,
  ListServersRequestSchema,
  ManagerService,
} from "../gen/roomgate/v1/manager_pb.js";
import { channelCredentials } from "../common/grpc-credentials";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter";
import { TestPki, type Issued } from "../testkit/certs";
import { BUILT_CLI, startComponent } from "../testkit/cluster";
import { startCluster } from "./harness/cluster";
import { redisUrl } from "./harness/state";

// Under mutual TLS a certificate's SPIFFE ID decides what its holder may call on the Manager:
// a Gateway allocates, an operator lists and drains, a game server attaches as the id its
// certificate names. Each attack of issue 10 on the Manager's port is one row below; before roles
// existed every one of them succeeded for any certificate the CA had signed.

const pki = new TestPki();
const ca = pki.ca("roomgate-ca");
const managerCert = pki.leaf("manager", ca, "server");
const spiffe = (path: string) => `spiffe://roomgate/${path}`;
const certs = {
  gateway: pki.leaf("gateway", ca, "client", spiffe("gateway")),
  operator: pki.leaf("operator", ca, "client", spiffe("operator")),
  "gameserver gs-0": pki.leaf("gs-0", ca, "client", spiffe("gameserver/gs-0")),
  "gameserver gs-new": pki.leaf("gs-new", ca, "client", spiffe("gameserver/gs-new")),
  "no identity": pki.leaf("plain", ca, "client"),
  "another trust domain": pki.leaf("foreign", ca, "client", "spiffe://elsewhere/operator"),
};
type Holder = keyof typeof certs;

const tlsEnv = (leaf: Issued) => ({
  INTERNAL_TLS_CA: ca.cert,
  INTERNAL_TLS_CERT: leaf.cert,
  INTERNAL_TLS_KEY: leaf.key,
});

let env: Awaited<ReturnType<typeof startCluster>>;
const clients = new Map<Holder, grpc.Client>();

beforeAll(async () => {
  env = await startCluster("roles", {
    gateways: 0,
    gameServers: 1,
    managerEnv: tlsEnv(managerCert),
    gameServerEnv: tlsEnv(certs["gameserver gs-0"]),
  });
  const Client = grpcClientConstructor(ManagerService);
  for (const holder of Object.keys(certs) as Holder[])
    clients.set(holder, new Client(env.cluster.managerAddress, channelCredentials(tlsEnv(certs[holder]))));
}, 60_000);

afterAll(async () => {
  for (const c of clients.values()) c.close();
  await env?.stop();
  pki.remove();
}, 60_000);

type Outcome = keyof typeof grpc.status;
const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => "OK",
    (e: grpc.ServiceError) => grpc.status[e.code] as Outcome,
  );
const deadline = () => ({ deadline: Date.now() + 5000 });

const calls = {
  allocate: (c: grpc.Client) =>
    callUnary(
      c,
      ManagerService.method.allocateRoom,
      create(AllocateRoomRequestSchema, { roomId: randomBytes(16).toString("base64url"), maxPlayers: 2 }),
      deadline(),
    ),
  list: (c: grpc.Client) =>
    callUnary(c, ManagerService.method.listServers, create(ListServersRequestSchema), deadline()),
  drain: (c: grpc.Client, serverId = "gs-missing") =>
    callUnary(c, ManagerService.method.drainServer, create(DrainServerRequestSchema, { serverId }), deadline()),
};

/** Opens Attach and registers as `serverId`: OK once the Manager answers `registered`; the stream is then closed. */
function attachAs(c: grpc.Client, serverId: string): Promise<void> {
  const call = (c as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, AttachResponse> }).attach();
  return new Promise<void>((resolve, reject) => {
    call.on("data", (res: AttachResponse) => {
      if (res.msg.case === "registered") resolve();
    });
    call.on("error", reject);
    call.on("end", () => reject(new Error("stream ended")));
    call.write(
      create(AttachRequestSchema, {
        msg: {
          case: "register",
          value: {
            serverId,
            address: "ws://127.0.0.1:1",
            region: "attacker",
            maxRooms: 100_000,
            maxPlayers: 1_000_000,
            reportIntervalMs: 60_000,
          },
        },
      }),
    );
  }).finally(() => call.cancel());
}

// [holder, allocate, list, drain, attach as itself (gs-new) or as an id it does not hold, attach as the real gs-0]
const MATRIX: [Holder, Outcome, Outcome, Outcome, Outcome, Outcome][] = [
  ["gateway", "OK", "PERMISSION_DENIED", "PERMISSION_DENIED", "PERMISSION_DENIED", "PERMISSION_DENIED"],
  ["operator", "PERMISSION_DENIED", "OK", "NOT_FOUND", "PERMISSION_DENIED", "PERMISSION_DENIED"],
  ["gameserver gs-new", "PERMISSION_DENIED", "PERMISSION_DENIED", "PERMISSION_DENIED", "OK", "PERMISSION_DENIED"],
  [
    "no identity",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
  ],
  [
    "another trust domain",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
    "PERMISSION_DENIED",
  ],
];

test.each(MATRIX)(
  "%s: allocate %s, list servers %s, drain %s, attach as its own id %s, re-register as the real gs-0 %s",
  async (holder, allocate, list, drain, attachOwn, attachReal) => {
    const c = clients.get(holder)!;
    // NOT_FOUND for the operator: it was let through, and the server it named does not exist.
    expect({
      allocate: await outcome(calls.allocate(c)),
      list: await outcome(calls.list(c)),
      drain: await outcome(calls.drain(c)),
      attachOwn: await outcome(attachAs(c, holder === "gameserver gs-new" ? "gs-new" : "gs-fake")),
      attachReal: await outcome(attachAs(c, "gs-0")),
    }).toEqual({ allocate, list, drain, attachOwn, attachReal });
  },
);

test("the real gs-0 kept its place: nobody re-registered as it, nobody drained it", async () => {
  const listed = await calls.list(clients.get("operator")!);
  const gs0 = listed.servers.find((s) => s.id === "gs-0");
  expect(gs0?.state).toBe(GameServerState.LIVE);
  const registrations = env.cluster.manager.proc.lines.filter(
    (l) => l.msg === "game server registered" && l.serverId === "gs-0",
  );
  expect(registrations).toHaveLength(1);
  // Fake servers never registered either.
  expect(listed.servers.map((s) => s.id).sort()).toEqual(["gs-0", "gs-new"]);
});

test("grpc.health.v1 answers every certificate the CA signed, whatever its role", async () => {
  const Client = grpcClientConstructor(Health);
  for (const holder of Object.keys(certs) as Holder[]) {
    const c = new Client(env.cluster.managerAddress, channelCredentials(tlsEnv(certs[holder])));
    try {
      const res = await callUnary(c, Health.method.check, { service: "" } as never, deadline());
      expect([holder, res.status]).toEqual([holder, HealthCheckResponse_ServingStatus.SERVING]);
    } finally {
      c.close();
    }
  }
});

test("a refusal says who asked and what its certificate allows, and is logged", async () => {
  const err = await calls.drain(clients.get("gateway")!, "gs-0").catch((e: grpc.ServiceError) => e);
  expect((err as grpc.ServiceError).details).toBe(
    "spiffe://roomgate/gateway (gateway) may not call DrainServer: it is for the operator role",
  );
  const plain = await calls.list(clients.get("no identity")!).catch((e: grpc.ServiceError) => e);
  expect((plain as grpc.ServiceError).details).toBe(
    "ListServers needs a roomgate certificate: the client certificate must carry exactly one URI SAN spiffe://roomgate/..., it has 0",
  );
  await env.cluster.manager.proc.waitFor((l) => l.msg === "permission denied" && l.method === "DrainServer");
});

test("server ids follow the region rule: 'X:rooms' is invalid_argument", async () => {
  const err = await calls.drain(clients.get("operator")!, "X:rooms").catch((e: grpc.ServiceError) => e);
  expect((err as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
  expect((err as grpc.ServiceError).details).toContain("server_id: does not match regex pattern");
});

describe("a Manager reachable from other hosts needs mutual TLS", () => {
  const beyondLoopback = { REDIS_URL: redisUrl(), MANAGER_HOST: "0.0.0.0", MANAGER_PORT: "0" };

  test("without it, it refuses to start and says what to do", () => {
    const run = spawnSync(process.execPath, [BUILT_CLI, "manager"], {
      env: { PATH: process.env.PATH!, ...beyondLoopback },
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/MANAGER_HOST 0\.0\.0\.0 is reachable from other hosts/);
    expect(run.stderr).toMatch(/INTERNAL_TLS_CA, INTERNAL_TLS_CERT and INTERNAL_TLS_KEY/);
    expect(run.stderr).toMatch(/--insecure-internal/);
  });

  test("--insecure-internal lets it start, with a warning", async () => {
    const m = await startComponent("manager", { ...beyondLoopback, INSECURE_INTERNAL: "true" }, "insecure-manager");
    try {
      expect(m.ready).toMatchObject({ host: "0.0.0.0", tls: false, roles: false });
      expect(m.proc.lines.find((l) => l.level === "warn")?.msg).toMatch(
        /^INSECURE: the Manager listens beyond loopback/,
      );
    } finally {
      await m.proc.kill();
    }
  });

  test("with mutual TLS it starts and checks roles", async () => {
    const m = await startComponent("manager", { ...beyondLoopback, ...tlsEnv(managerCert) }, "mtls-manager");
    try {
      expect(m.ready).toMatchObject({ host: "0.0.0.0", tls: true, roles: true });
    } finally {
      await m.proc.kill();
    }
  });
});
