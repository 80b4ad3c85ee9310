import * as grpc from "@grpc/grpc-js";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  AllocateRoomRequestSchema,
  type AttachRequest,
  AttachRequestSchema,
  type AttachResponse,
  ManagerService,
} from "../gen/roomgate/v1/manager_pb.js";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter";
import { newRoomId } from "../common/ids";
import { silentLogger } from "../common/log";
import { MemoryStore } from "../common/store/memory-store";
import { buildManager, type ManagerServer } from "./server";

// The Manager's gRPC edge on a real server (port 0): requests are checked against manager.proto's
// rules (protovalidate, in the server's interceptor) before the core or the store sees them.

let store: MemoryStore;
let server: ManagerServer;
let client: grpc.Client;
/** Calls the core made to the store's write paths. */
let storeWrites: string[];

beforeEach(async () => {
  store = new MemoryStore();
  storeWrites = [];
  for (const method of ["allocateRoom", "registerServer"] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<never>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      storeWrites.push(method);
      return original(...args);
    };
  }
  server = buildManager({
    store,
    log: silentLogger,
    missedReports: 3,
    crashProbeMs: 0,
    openRoomTimeoutMs: 500,
    idempotencyTtlMs: 60_000,
    migrationTimeoutMs: 5000,
    maxSnapshotBytes: 64,
  });
  const port = await server.listen("127.0.0.1", 0);
  client = new (grpcClientConstructor(ManagerService))(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterEach(async () => {
  client.close();
  await server.close();
});

const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: grpc.status.OK, details: "" }),
    (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
  );

/** Opens an Attach stream, writes `msgs`, and resolves with how the Manager ended it. */
function attach(...msgs: MessageInitShape<typeof AttachRequestSchema>["msg"][]): Promise<grpc.ServiceError> {
  const call = (client as unknown as { attach(): grpc.ClientDuplexStream<AttachRequest, AttachResponse> }).attach();
  const ended = new Promise<grpc.ServiceError>((resolve) => call.on("error", resolve));
  call.on("data", () => {});
  for (const msg of msgs) call.write(create(AttachRequestSchema, { msg }));
  return ended;
}

test("invalid AllocateRoom requests are refused before touching the store", async () => {
  const allocate = (over: object) =>
    statusOf(
      callUnary(
        client,
        ManagerService.method.allocateRoom,
        create(AllocateRoomRequestSchema, { roomId: newRoomId(), maxPlayers: 4, ...over }),
      ),
    );
  expect(await allocate({ roomId: "short" })).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringContaining("room_id"),
  });
  expect(await allocate({ maxPlayers: 0 })).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringContaining("max_players"),
  });
  expect(storeWrites).toEqual([]);
  // A valid request reaches the core (which finds no server).
  expect((await allocate({})).code).toBe(grpc.status.UNAVAILABLE);
  expect(storeWrites).toEqual(["allocateRoom"]);
});

test("a registration with a bad address is refused before touching the store", async () => {
  const err = await attach({
    case: "register",
    value: { serverId: "x", address: "http://nope", maxRooms: 1, maxPlayers: 1, reportIntervalMs: 1000 },
  });
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toMatch(/register\.address: does not match regex pattern `\^wss\?:\/\//);
  expect(storeWrites).toEqual([]);
});

test("a load report with a bad room CPU entry is refused at the edge", async () => {
  const err = await attach({ case: "load", value: { roomCpu: [{ roomId: "x", cpuSeconds: -1, load: 0 }] } });
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.details).toMatch(/room_cpu/);
});

test("a stream that does not start with register is ended by the core", async () => {
  const err = await attach({ case: "load", value: {} });
  expect(err.code).toBe(grpc.status.ABORTED);
  expect(err.details).toMatch(/first message/);
  expect(storeWrites).toEqual([]);
});
