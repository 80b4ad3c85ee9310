import { type DescMethod, type DescMessage, toBinary, toJsonString } from "@bufbuild/protobuf";
import fc from "fast-check";
import { GatewayService } from "../gen/roomgate/v1/gateway_pb.js";
import { startCluster } from "./harness/cluster";
import { fuzzParameters, fuzzTimeoutMs } from "./harness/fuzz";
import { allAlive, honestRoundTrip } from "./harness/honest";
import { messageArbitrary } from "./harness/message-arbitrary";
import { type RawResponse, rawRequest } from "./harness/raw-http";

// Fuzzing the Gateway's HTTP surface over real processes: any method, path and headers, and for
// every RPC bodies in Connect JSON, Connect binary and gRPC-Web framing, well-formed but hostile
// or not well-formed at all. Every request must get an answer that is not a server error, the
// processes must stay up, and an honest client must still get through afterwards.

let env: Awaited<ReturnType<typeof startCluster>>;
let port: number;

beforeAll(async () => {
  env = await startCluster("fuzz-gateway", {
    gateways: 1,
    gameServers: 1,
    // Rooms the fuzzer creates by the hundred must not fill the server for the honest client.
    gameServerEnv: { GAMESERVER_CAPACITY: "100000", GAMESERVER_MAX_PLAYERS: "10000000" },
    gatewayEnv: { JOIN_TOKEN_TTL_MS: "3000" },
  });
  port = env.cluster.gateways[0]!.port;
}, 60_000);

afterAll(async () => {
  await env?.stop();
}, 60_000);

const RPC_PATHS = GatewayService.methods.map((m) => `/${GatewayService.typeName}/${m.name}`);
const printable = (max: number) =>
  fc.string({ maxLength: max, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const anyChars = (max: number) => fc.string({ maxLength: max, unit: "binary" });

// GET and HEAD reach the static files and /ping as well as the RPCs: they come up most.
const methodArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("GET", "HEAD") },
  { weight: 2, arbitrary: fc.constantFrom("POST", "OPTIONS", "PUT", "DELETE", "PATCH") },
  { weight: 1, arbitrary: printable(8).map((m) => m.replace(/[^A-Z]/gi, "") || "BREW") },
);
const hex = fc.constantFrom(..."0123456789abcdefABCDEFxz");
const percent = fc.tuple(hex, hex).map(([a, b]) => `%${a}${b}`);
const pathArb = fc.oneof(
  fc.constantFrom(
    "/",
    "/dashboard",
    "/dashboard/",
    "/ping",
    "/healthz",
    "/%E0%A4%A",
    "/%",
    "/index.html",
    "/assets/x.js",
    "*",
    "/../../etc/passwd",
    "//",
    "/?",
    ...RPC_PATHS,
  ),
  fc.tuple(fc.constantFrom(...RPC_PATHS), anyChars(10)).map(([p, s]) => p + s),
  fc.webPath(),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "/",
          "%",
          ".",
          "..",
          "?",
          "#",
          "%00",
          "%2e",
          "%2f",
          "%E0",
          "%A4",
          "%C0%AF",
          "%zz",
          "assets",
          "roomgate.v1.GatewayService",
        ),
        percent,
        anyChars(4),
      ),
      { maxLength: 8 },
    )
    .map((parts) => "/" + parts.join("")),
);

const headerNames = [
  "content-type",
  "content-encoding",
  "accept-encoding",
  "connect-protocol-version",
  "connect-timeout-ms",
  "connect-content-encoding",
  "connect-accept-encoding",
  "grpc-timeout",
  "grpc-encoding",
  "grpc-accept-encoding",
  "x-grpc-web",
  "te",
  "x-forwarded-for",
  "origin",
  "access-control-request-method",
  "access-control-request-headers",
  "authorization",
  "cookie",
  "range",
  "if-none-match",
  "expect",
];
const headerValue = fc.oneof(
  fc.constantFrom(
    "gzip",
    "br",
    "identity",
    "deflate",
    "1",
    "0",
    "-1",
    "99999999999999999999",
    "1S",
    "10m",
    "*",
    "null",
    "https://evil.example",
    "trailers",
    "application/proto",
    "application/json",
    "application/connect+proto",
    "application/grpc-web+proto",
    "application/grpc",
    "text/plain",
    "bytes=0-1,5-",
    "100-continue",
  ),
  printable(80),
);
const headerArb = fc.oneof(
  fc.tuple(fc.constantFrom(...headerNames), headerValue),
  fc.tuple(
    printable(20).map((n) => n.replace(/[^A-Za-z0-9-]/g, "") || "x-fuzz"),
    anyChars(40),
  ),
);

/**
 * A response no request may cause: a server error. Excepted: 503 (the Manager unavailable), and
 * 501 `unimplemented`, the Connect protocol's answer to a compression it does not support (an
 * empty or unknown Content-Encoding): the client's fault, said as the protocol says it.
 */
function serverError(res: RawResponse | undefined): string | undefined {
  if (!res) return undefined; // the server may hang up on what it cannot parse
  const unimplemented = res.status === 501 && /"code":"unimplemented"/.test(res.body.toString("latin1"));
  if (res.status >= 500 && res.status !== 503 && !unimplemented)
    return `HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`;
  const grpcStatus = res.headers["grpc-status"] ?? /grpc-status: *(\d+)/.exec(res.body.toString("latin1"))?.[1];
  if (grpcStatus === "13" || grpcStatus === "2")
    return `grpc-status ${grpcStatus}: ${res.body.toString("latin1").slice(0, 200)}`;
  const code = /"code":"(internal|unknown|data_loss)"/.exec(res.body.toString("latin1"))?.[1];
  if (code) return `Connect code ${code}: ${res.body.toString().slice(0, 200)}`;
  return undefined;
}

async function check(req: Parameters<typeof rawRequest>[1]) {
  const res = await rawRequest(port, req);
  const bad = serverError(res);
  if (bad) throw new Error(`${req.method} ${JSON.stringify(req.path)} answered ${bad}`);
  if (!allAlive(env.cluster)) throw new Error("a process died");
}

const QUICK_HTTP = 300;
test(
  "any method, path and headers: never a server error; the Gateway stays up",
  async () => {
    const property = fc.asyncProperty(
      methodArb,
      pathArb,
      fc.array(headerArb, { maxLength: 6 }),
      fc.oneof(fc.constant(new Uint8Array()), fc.uint8Array({ maxLength: 2000 })),
      async (method, path, headers, body) => check({ method, path, headers, body }),
    );
    await fc.assert(property, fuzzParameters("gateway-http", QUICK_HTTP));
  },
  fuzzTimeoutMs(QUICK_HTTP, 30),
);

type Framing = "connect-json" | "connect-proto" | "grpc-web-proto" | "grpc-web-json";

function envelope(flags: number, data: Uint8Array, lengthOverride?: number) {
  const out = Buffer.alloc(5 + data.length);
  out[0] = flags;
  out.writeUInt32BE(lengthOverride ?? data.length, 1);
  out.set(data, 5);
  return out;
}

/** The body for one RPC: its message encoded as the framing says, maybe damaged, or no message at all. */
function rpcArb(method: DescMethod) {
  const input: DescMessage = method.input;
  const payload = fc.oneof(
    {
      weight: 4,
      arbitrary: messageArbitrary(input).map((m) => ({
        binary: toBinary(input, m),
        json: Buffer.from(toJsonString(input, m)),
      })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => ({ binary: b, json: b })) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((j) => ({ binary: Buffer.from(j), json: Buffer.from(j) })) },
  );
  return fc
    .record({
      framing: fc.constantFrom<Framing>("connect-json", "connect-proto", "grpc-web-proto", "grpc-web-json"),
      payload,
      // Damage: cut the bytes short, or flip one.
      cut: fc.option(fc.nat(), { freq: 4 }),
      flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 4 }),
      flags: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constantFrom(1, 2, 0x80, 0xff) },
      ),
      lengthOverride: fc.option(fc.nat({ max: 2 ** 32 - 1 }), { freq: 6 }),
      headers: fc.array(headerArb, { maxLength: 3 }),
    })
    .map((r) => {
      let bytes = Buffer.from(r.framing.endsWith("json") ? r.payload.json : r.payload.binary);
      if (r.cut !== null && bytes.length) bytes = bytes.subarray(0, r.cut % bytes.length);
      if (r.flip !== null && bytes.length) bytes[r.flip[0] % bytes.length] ^= r.flip[1];
      const streaming = method.methodKind !== "unary";
      const grpcWeb = r.framing.startsWith("grpc-web");
      const type = grpcWeb
        ? `application/${r.framing.replace("-proto", "+proto").replace("-json", "+json")}`
        : `application/${streaming ? "connect+" : ""}${r.framing.endsWith("json") ? "json" : "proto"}`;
      const body = grpcWeb || streaming ? envelope(r.flags, bytes, r.lengthOverride ?? undefined) : bytes;
      return {
        method: "POST",
        path: `/${GatewayService.typeName}/${method.name}`,
        headers: [["content-type", type] as [string, string], ...r.headers],
        body,
      };
    });
}

const QUICK_RPC = 400;
test(
  "every RPC, Connect JSON and binary and gRPC-Web: hostile messages and broken bodies get a client error, never internal",
  async () => {
    const property = fc.asyncProperty(fc.constantFrom(...GatewayService.methods).chain(rpcArb), check);
    await fc.assert(property, fuzzParameters("gateway-rpc", QUICK_RPC));
  },
  fuzzTimeoutMs(QUICK_RPC, 30),
);

test("after the fuzz, every process is up and an honest client creates, joins and broadcasts", async () => {
  expect(allAlive(env.cluster)).toBe(true);
  const r = await honestRoundTrip(env.cluster);
  expect(r).toEqual({ from: r.sender, payload: [1, 2, 3], sender: expect.any(String) });
});
