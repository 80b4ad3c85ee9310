import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ListServersRequestSchema, ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { ConfigError } from "../common/config";
import { channelCredentials, serverCredentials } from "../common/grpc-credentials";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter";
import { TestPki, type Issued } from "../testkit/certs";
import { gatewayClient, Player } from "../testkit/client";
import { BUILT_CLI } from "../testkit/cluster";
import { startCluster } from "./harness/cluster";

// Internal gRPC over mutual TLS, with certificates made by openssl for this run: a cluster of
// separate processes works end to end, and the Manager refuses whoever cannot prove who it is.

const pki = new TestPki();
const ca = pki.ca("roomgate-ca");
const manager = pki.leaf("manager", ca, "server");
const gateway = pki.leaf("gateway", ca, "client", "spiffe://roomgate/gateway");
const gameserver = pki.leaf("gameserver", ca, "client", "spiffe://roomgate/gameserver/gs-0");
const operator = pki.leaf("operator", ca, "client", "spiffe://roomgate/operator");
const otherCa = pki.ca("other-ca");
const stranger = pki.leaf("stranger", otherCa, "client");

const tlsEnv = (leaf: Issued, trust: Issued = ca) => ({
  INTERNAL_TLS_CA: trust.cert,
  INTERNAL_TLS_CERT: leaf.cert,
  INTERNAL_TLS_KEY: leaf.key,
});

let env: Awaited<ReturnType<typeof startCluster>>;

beforeAll(async () => {
  env = await startCluster("mtls", {
    gateways: 1,
    gameServers: 1,
    managerEnv: tlsEnv(manager),
    gatewayEnv: tlsEnv(gateway),
    gameServerEnv: tlsEnv(gameserver),
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
  pki.remove();
}, 60_000);

/** ListServers on the cluster's Manager with these credentials: "ok", or the status it failed with. */
async function listServersWith(credentials: grpc.ChannelCredentials): Promise<{ code: grpc.status; details: string }> {
  const Client = grpcClientConstructor(ManagerService);
  const client = new Client(env.cluster.managerAddress, credentials);
  try {
    await callUnary(client, ManagerService.method.listServers, create(ListServersRequestSchema), {
      deadline: Date.now() + 5000,
    });
    return { code: grpc.status.OK, details: "" };
  } catch (e) {
    return { code: (e as grpc.ServiceError).code, details: (e as grpc.ServiceError).details };
  } finally {
    client.close();
  }
}

test("the cluster works over mutual TLS: a game server attaches, a Gateway allocates, players play", async () => {
  expect(env.cluster.manager.ready.tls).toBe(true);
  const gw = gatewayClient(env.cluster.gatewayUrl(0));
  const created = await gw.createRoom({ playerName: "ann" });
  const joined = await gw.joinRoom({ roomId: created.roomId, playerName: "bob" });
  const ann = await Player.join(created.serverAddress, created.roomId, created.joinToken);
  const bob = await Player.join(joined.serverAddress, joined.roomId, joined.joinToken);
  bob.player.broadcast(new Uint8Array([1, 2, 3]));
  expect((await ann.player.next("message")).frame.value.payload).toEqual(new Uint8Array([1, 2, 3]));
  await bob.player.leave();
  await ann.player.leave();
});

test("a client with a certificate from the right CA gets in", async () => {
  expect(await listServersWith(channelCredentials(tlsEnv(operator)))).toEqual({ code: grpc.status.OK, details: "" });
});

test("the Manager refuses a client without a certificate, and one that speaks cleartext", async () => {
  const noCert = await listServersWith(channelCredentials({ INTERNAL_TLS_CA: ca.cert }));
  expect(noCert.code).toBe(grpc.status.UNAVAILABLE);
  expect(noCert.details).toMatch(/certificate required/);
  const cleartext = await listServersWith(grpc.credentials.createInsecure());
  expect(cleartext.code).toBe(grpc.status.UNAVAILABLE);
});

test("wrong CA either way: a client certificate the Manager does not trust, a Manager the client does not trust", async () => {
  // The stranger trusts the right CA but its certificate is signed by another one.
  const untrustedClient = await listServersWith(
    channelCredentials({ INTERNAL_TLS_CA: ca.cert, INTERNAL_TLS_CERT: stranger.cert, INTERNAL_TLS_KEY: stranger.key }),
  );
  expect(untrustedClient.code).toBe(grpc.status.UNAVAILABLE);
  // A proper client certificate, but the client checks the Manager against the other CA.
  const untrustedServer = await listServersWith(channelCredentials(tlsEnv(gateway, otherCa)));
  expect(untrustedServer.code).toBe(grpc.status.UNAVAILABLE);
  expect(untrustedServer.details).toMatch(/certificate/i);
});

describe("configuration errors, at start", () => {
  test("partial or unreadable settings are a ConfigError that names them", () => {
    expect(() => serverCredentials({ INTERNAL_TLS_CERT: manager.cert })).toThrow(
      new ConfigError("INTERNAL_TLS_CERT and INTERNAL_TLS_KEY go together: set both or neither"),
    );
    expect(() => channelCredentials({ INTERNAL_TLS_KEY: gateway.key })).toThrow(ConfigError);
    expect(() => serverCredentials({ INTERNAL_TLS_CA: ca.cert })).toThrow(
      /INTERNAL_TLS_CA is set but the Manager has no certificate/,
    );
    expect(() => serverCredentials({ ...tlsEnv(manager), INTERNAL_TLS_CA: join(pki.dir, "missing.pem") })).toThrow(
      /INTERNAL_TLS_CA: cannot read .*missing\.pem: ENOENT/,
    );
    expect(() => serverCredentials({ INTERNAL_TLS_CERT: manager.cert, INTERNAL_TLS_KEY: gateway.key })).toThrow(
      "INTERNAL_TLS_KEY is not the private key of INTERNAL_TLS_CERT",
    );
    const garbage = join(pki.dir, "garbage.pem");
    writeFileSync(garbage, "not a certificate");
    expect(() => channelCredentials({ INTERNAL_TLS_CA: garbage })).toThrow(
      /INTERNAL_TLS_CA .* is not a PEM certificate/,
    );
    // Nothing set: cleartext.
    expect(serverCredentials({})._isSecure()).toBe(false);
    expect(channelCredentials({})._isSecure()).toBe(false);
    expect(serverCredentials(tlsEnv(manager))._isSecure()).toBe(true);
  });

  test("a component given only part of the TLS settings refuses to start, saying why", () => {
    const run = spawnSync(process.execPath, [BUILT_CLI, "manager"], {
      env: {
        ...process.env,
        REDIS_URL: "redis://127.0.0.1:1",
        MANAGER_PORT: "0",
        MANAGER_HOST: "127.0.0.1",
        INTERNAL_TLS_KEY: manager.key,
        INTERNAL_TLS_CERT: "",
      },
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/INTERNAL_TLS_CERT and INTERNAL_TLS_KEY go together/);
  });
});
