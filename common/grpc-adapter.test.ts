import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { GameServerState } from "../gen/roomgate/v1/common_pb.js";
import { ListServersResponseSchema, ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { callUnary, grpcClientConstructor, grpcServiceDefinition } from "./grpc-adapter";

test("the definition mirrors the descriptor: paths, streaming flags, names", () => {
  const def = grpcServiceDefinition(ManagerService);
  expect(Object.keys(def).sort()).toEqual(["allocateRoom", "attach", "drainServer", "listServers"]);
  expect(def.attach).toMatchObject({
    path: "/roomgate.v1.ManagerService/Attach",
    requestStream: true,
    responseStream: true,
  });
  expect(def.allocateRoom).toMatchObject({
    path: "/roomgate.v1.ManagerService/AllocateRoom",
    requestStream: false,
    responseStream: false,
  });
});

describe("over a real grpc-js server on loopback", () => {
  let server: grpc.Server;
  let client: grpc.Client;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(grpcServiceDefinition(ManagerService), {
      listServers: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(
          null,
          create(ListServersResponseSchema, { servers: [{ id: "gs-1", state: GameServerState.LIVE, maxRooms: 7 }] }),
        ),
      allocateRoom: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: "full" }),
      attach: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
    });
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    const Client = grpcClientConstructor(ManagerService);
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((res) => server.tryShutdown(() => res()));
  });

  test("messages round-trip through protobuf-es serializers", async () => {
    const res = await callUnary(
      client,
      ManagerService.method.listServers,
      create(ManagerService.method.listServers.input),
    );
    expect(res.servers).toHaveLength(1);
    expect(res.servers[0]).toMatchObject({ id: "gs-1", state: GameServerState.LIVE, maxRooms: 7 });
  });

  test("status codes reach the caller", async () => {
    await expect(
      callUnary(
        client,
        ManagerService.method.allocateRoom,
        create(ManagerService.method.allocateRoom.input, { roomId: "x" }),
      ),
    ).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: "full" });
  });
});
