import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import {
  AllocateRoomRequestSchema,
  type AttachRequest,
  AttachRequestSchema,
  DrainServerRequestSchema,
  ManagerService,
} from "../gen/roomgate/v1/manager_pb.js";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter";
import { AS_OPERATOR, gatewayClient, TEST_ADMIN_TOKEN } from "../testkit/client";
import { type Started, startComponent } from "../testkit/cluster";
import { startCluster } from "./harness/cluster";
import { codeOf, failure } from "./harness/codes";

// Abuse at the edges, across processes: the rules in the .proto files as protovalidate enforces
// them (Gateway and Manager), and the Gateway's per-client limits.

let env: Awaited<ReturnType<typeof startCluster>>;
const extra: Started[] = [];

beforeAll(async () => {
  env = await startCluster("abuse", { gateways: 1, gameServers: 1 });
}, 60_000);

afterAll(async () => {
  await Promise.all(extra.map((g) => g.proc.kill()));
  await env?.stop();
}, 60_000);

/** Another Gateway of the cluster with its own settings. */
async function gateway(name: string, settings: Record<string, string>) {
  const { o, managerAddress } = env.cluster;
  const g = await startComponent(
    "gateway",
    {
      REDIS_URL: o.redisUrl,
      REDIS_KEY_PREFIX: o.keyPrefix,
      ROOMGATE_SECRET: o.secret,
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: "0",
      MANAGER_ADDRESS: managerAddress,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...settings,
    },
    name,
  );
  extra.push(g);
  return `http://127.0.0.1:${g.port}`;
}

describe("request rules from gateway.proto, enforced by protovalidate at the Gateway", () => {
  const ROOM = "A".repeat(22);
  const cases: [string, (gw: ReturnType<typeof gatewayClient>) => Promise<unknown>, string][] = [
    [
      "region too long",
      (gw) => gw.createRoom({ region: "x".repeat(65) }),
      "region: must be at most 64 characters [name.max_len]",
    ],
    [
      "region with a control character",
      (gw) => gw.createRoom({ region: "eu\n" }),
      "region: does not match regex pattern `^[A-Za-z0-9_.-]*$` [name.pattern]",
    ],
    [
      "max_players past the hard ceiling",
      (gw) => gw.createRoom({ maxPlayers: 100_001 }),
      "max_players: must be less than or equal to 100000 [uint32.lte]",
    ],
    [
      "request_id too long",
      (gw) => gw.createRoom({ requestId: "r".repeat(129) }),
      "request_id: must be at most 128 characters [string.max_len]",
    ],
    [
      "request_id with a control character",
      (gw) => gw.createRoom({ requestId: "a\u007fb" }),
      "request_id: must not contain control characters [no_control_characters]",
    ],
    [
      "creator's name too long",
      (gw) => gw.createRoom({ playerName: "n".repeat(65) }),
      "player_name: must be at most 64 characters [string.max_len]",
    ],
    [
      "creator's name with NUL",
      (gw) => gw.createRoom({ playerName: "bad\u0000name" }),
      "player_name: must not contain control characters [no_control_characters]",
    ],
    [
      "join without a room id",
      (gw) => gw.joinRoom({}),
      "room_id: does not match regex pattern `^[A-Za-z0-9_-]{22}$` [room_id]",
    ],
    [
      "join a path, not a room id",
      (gw) => gw.joinRoom({ roomId: "../../etc/passwd" }),
      "room_id: does not match regex pattern",
    ],
    [
      "joining name too long",
      (gw) => gw.joinRoom({ roomId: ROOM, playerName: "n".repeat(65) }),
      "player_name: must be at most 64 characters [string.max_len]",
    ],
    [
      "joining name with ESC",
      (gw) => gw.joinRoom({ roomId: ROOM, playerName: "\u001b[31m" }),
      "player_name: must not contain control characters [no_control_characters]",
    ],
    [
      "rejoin token too long",
      (gw) => gw.joinRoom({ roomId: ROOM, rejoinToken: "t".repeat(3073) }),
      "rejoin_token: must be at most 3072 characters [string.max_len]",
    ],
    ["describe a malformed room id", (gw) => gw.getRoom({ roomId: "short" }), "room_id: does not match regex pattern"],
  ];

  test.each(cases)("%s: invalid_argument naming the field and the rule", async (_name, call, message) => {
    const err = await failure(call(gatewayClient(env.cluster.gatewayUrl(0))));
    expect(err.code).toBe(3); // invalid_argument
    expect(err.rawMessage).toContain(message);
    const [violations] = err.findDetails(ViolationsSchema);
    expect(violations?.violations.length).toBeGreaterThan(0);
  });

  test("every violation is reported, over gRPC too; a valid request passes", async () => {
    const err = await failure(
      gatewayClient(env.cluster.gatewayUrl(0), "grpc").createRoom({ region: "x".repeat(65), playerName: "\u0000" }),
    );
    expect(err.rawMessage).toBe(
      "region: must be at most 64 characters [name.max_len]; player_name: must not contain control characters [no_control_characters]",
    );
    // Non-ASCII counts in characters, not bytes.
    const ok = await gatewayClient(env.cluster.gatewayUrl(0), "grpc").createRoom({
      playerName: "é".repeat(64),
      region: "",
    });
    expect(ok.roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("request rules from manager.proto, enforced at the Manager's gRPC edge", () => {
  let client: grpc.Client;
  beforeAll(() => {
    const Client = grpcClientConstructor(ManagerService);
    client = new Client(env.cluster.managerAddress, grpc.credentials.createInsecure());
  });
  afterAll(() => client.close());

  const status = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: grpc.status.OK, details: "" }),
      (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
    );

  test("AllocateRoom and DrainServer: INVALID_ARGUMENT with the violations", async () => {
    const bad = create(AllocateRoomRequestSchema, { roomId: "short", maxPlayers: 0, region: "r".repeat(65) });
    expect(await status(callUnary(client, ManagerService.method.allocateRoom, bad))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details:
        "room_id: does not match regex pattern `^[A-Za-z0-9_-]{22}$` [room_id]; region: must be at most 64 characters [name.max_len]; max_players: must be greater than or equal to 1 and less than or equal to 100000 [uint32.gte_lte]",
    });
    expect(
      await status(callUnary(client, ManagerService.method.drainServer, create(DrainServerRequestSchema, {}))),
    ).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining("server_id: does not match regex pattern `^[A-Za-z0-9_.-]{1,128}$` [server_id]"),
    });
  });

  test("Attach: a registration that breaks the rules ends the stream with INVALID_ARGUMENT", async () => {
    const call = (client as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, unknown> }).attach();
    const ended = new Promise<grpc.ServiceError>((resolve) => call.on("error", resolve));
    call.on("data", () => {});
    call.write(
      create(AttachRequestSchema, {
        msg: {
          case: "register",
          value: {
            serverId: "gs-x",
            address: "http://not-ws",
            region: "eu",
            maxRooms: 1,
            maxPlayers: 1,
            reportIntervalMs: 1000,
          },
        },
      }),
    );
    const err = await ended;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("register.address: does not match regex pattern");
  });
});

describe("per-client limits at the Gateway", () => {
  test("CreateRoom: a burst, then resource_exhausted with a retry hint; another client is not affected", async () => {
    // Behind two proxies: the outer one writes the client's address, the inner one the outer's.
    const url = await gateway("gw-limits", {
      RATE_LIMIT_CREATE_PER_S: "1",
      RATE_LIMIT_CREATE_BURST: "2",
      GATEWAY_TRUST_PROXY: "true",
      GATEWAY_TRUSTED_PROXY_HOPS: "2",
    });
    const gw = gatewayClient(url);
    const as = (ip: string) => ({ headers: { "x-forwarded-for": `${ip}, 10.9.9.9` } });
    expect(await codeOf(gw.createRoom({}, as("203.0.113.1")))).toBe("ok");
    expect(await codeOf(gw.createRoom({}, as("203.0.113.1")))).toBe("ok");
    const err = await failure(gw.createRoom({}, as("203.0.113.1")));
    expect(err.code).toBe(8); // resource_exhausted
    expect(err.rawMessage).toMatch(
      /^rate limit: at most 1 CreateRoom calls per second \(bursts of 2\) per client; retry in \d+ ms$/,
    );
    expect(err.metadata.get("retry-after")).toBe("1");
    // Only the entry the outer proxy wrote counts: a different inner hop is the same client, and
    // neither is an address the client put in front of it.
    expect(await codeOf(gw.createRoom({}, { headers: { "x-forwarded-for": "203.0.113.1, 10.1.1.1" } }))).toBe(
      "ResourceExhausted",
    );
    expect(await codeOf(gw.createRoom({}, { headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.1, 10.1.1.1" } }))).toBe(
      "ResourceExhausted",
    );
    expect(await codeOf(gw.createRoom({}, as("203.0.113.2")))).toBe("ok");
    // Invalid requests count too: the limit comes before validation.
    expect(await codeOf(gw.createRoom({ region: "x".repeat(100) }, as("203.0.113.2")))).toBe("InvalidArgument");
    expect(await codeOf(gw.createRoom({}, as("203.0.113.2")))).toBe("ResourceExhausted");
    // GetRoom counts against the limit of reads, not this one.
    for (let i = 0; i < 5; i++)
      expect(await codeOf(gw.getRoom({ roomId: "B".repeat(22) }, as("203.0.113.1")))).toBe("NotFound");
  });

  test("JoinRoom has its own bucket; without GATEWAY_TRUST_PROXY, X-Forwarded-For is ignored", async () => {
    const url = await gateway("gw-strict", {
      RATE_LIMIT_JOIN_PER_S: "1",
      RATE_LIMIT_JOIN_BURST: "3",
      RATE_LIMIT_CREATE_PER_S: "1",
      RATE_LIMIT_CREATE_BURST: "1",
    });
    const gw = gatewayClient(url, "grpc");
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        await codeOf(gw.joinRoom({ roomId: "C".repeat(22) }, { headers: { "x-forwarded-for": `198.51.100.${i}` } })),
      );
    expect(codes).toEqual(["NotFound", "NotFound", "NotFound", "ResourceExhausted"]);
    expect(await codeOf(gw.createRoom({}))).toBe("ok");
    expect(await codeOf(gw.createRoom({}))).toBe("ResourceExhausted");
  });

  test("WatchCluster: concurrent streams are capped per client, and a closed stream frees its slot", async () => {
    const url = await gateway("gw-watch", { WATCH_MAX_STREAMS_PER_CLIENT: "2" });
    const open = async (protocol: "connect" | "grpc") => {
      const abort = new AbortController();
      const it = gatewayClient(url, protocol)
        .watchCluster({ maxIntervalMs: 60_000 }, { ...AS_OPERATOR, signal: abort.signal })
        [Symbol.asyncIterator]();
      await it.next(); // the first snapshot: the stream is open
      return { abort, it };
    };
    const a = await open("connect");
    const b = await open("grpc");
    const err = await failure(open("connect"));
    expect(err.code).toBe(8);
    expect(err.rawMessage).toBe("at most 2 WatchCluster streams per client at once; close one first");
    a.abort.abort();
    await a.it.next().catch(() => undefined);
    // The Gateway frees the slot when it sees the cancellation, a moment after the client sent it.
    let c;
    for (let i = 0; i < 50 && !c; i++) c = await open("grpc").catch(() => undefined);
    expect(c).toBeDefined();
    b.abort.abort();
    c!.abort.abort();
  });
});

test("Gateway timeouts far shorter than the snapshot interval never cut a WatchCluster stream", async () => {
  const url = await gateway("gw-timeouts", {
    GATEWAY_HEADERS_TIMEOUT_MS: "500",
    GATEWAY_REQUEST_TIMEOUT_MS: "500",
    GATEWAY_KEEPALIVE_TIMEOUT_MS: "300",
    GATEWAY_IDLE_TIMEOUT_MS: "400",
  });
  // Nothing happens in the cluster meanwhile: snapshots come once a second, more than two idle
  // timeouts apart. (Far shorter timeouts would race a loaded test machine's connection setup.)
  const count = async (protocol: "connect" | "grpc") => {
    const started = performance.now();
    let n = 0;
    for await (const _ of gatewayClient(url, protocol).watchCluster({ maxIntervalMs: 1000 }, AS_OPERATOR)) {
      if (++n === 3) break;
    }
    return performance.now() - started;
  };
  const [h1, h2] = await Promise.all([count("connect"), count("grpc")]);
  expect(h1).toBeGreaterThanOrEqual(1900);
  expect(h2).toBeGreaterThanOrEqual(1900);
});
