import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError } from "@connectrpc/connect";
import { type AllocateRoomRequest, type AllocateRoomResponse, ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { callUnary, grpcClientConstructor } from "../common/grpc-adapter.js";

/** What the Gateway needs of the Manager; an interface so the service can be tested alone. */
export interface RoomAllocator {
  allocateRoom(req: AllocateRoomRequest): Promise<AllocateRoomResponse>;
  close(): void;
}

export class GrpcRoomAllocator implements RoomAllocator {
  private readonly client: grpc.Client;

  constructor(managerAddress: string, private readonly timeoutMs: number) {
    const Client = grpcClientConstructor(ManagerService);
    this.client = new Client(managerAddress, grpc.credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      // A restarted Manager is used within a second, not after grpc-js's default backoff (up to 2 min).
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
    });
  }

  async allocateRoom(req: AllocateRoomRequest): Promise<AllocateRoomResponse> {
    try {
      return await callUnary(this.client, ManagerService.method.allocateRoom, req, { deadline: Date.now() + this.timeoutMs });
    } catch (e) {
      throw fromGrpc(e as grpc.ServiceError);
    }
  }

  close() {
    this.client.close();
  }
}

/** gRPC and Connect share status codes, so the Manager's answer reaches the client unchanged. */
function fromGrpc(e: grpc.ServiceError): ConnectError {
  if (e.code === grpc.status.DEADLINE_EXCEEDED) return new ConnectError("the manager did not answer in time", Code.Unavailable);
  if (e.code === grpc.status.UNAVAILABLE) return new ConnectError(`manager unavailable: ${e.details}`, Code.Unavailable);
  const code = (e.code as number) in Code ? (e.code as number as Code) : Code.Internal;
  return new ConnectError(e.details || "manager error", code);
}
