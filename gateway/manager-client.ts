// The Gateway's client of the Managers: the RoomAllocator the matchmaking core places rooms with.

import * as grpc from "@grpc/grpc-js";
import { type AllocateRoomRequest, type AllocateRoomResponse, ManagerService } from "../gen/roomgate/v1/manager_pb.js";
import { callUnary } from "../common/grpc-adapter.js";
import { ManagerClients, SERVERS_UNREACHED, STORE_DOWN, unreachable } from "../common/manager-channel.js";
import { injectContext, SpanKind, traced } from "../common/tracing/spans.js";
import type { RoomAllocator } from "./matchmaking/dependencies.js";
import { fromManagerStatus } from "./manager-answers.js";

export interface GrpcRoomAllocatorOptions {
  /** MANAGER_ADDRESS: one Manager, a DNS name of several, or a comma-separated list. */
  managerAddress: string;
  timeoutMs: number;
  credentials?: grpc.ChannelCredentials;
}

const ALLOCATE = ManagerService.method.allocateRoom;
const ALLOCATE_SPAN = `${ManagerService.typeName}/${ALLOCATE.name}`;
const CLIENT_SPAN = {
  kind: SpanKind.CLIENT,
  attributes: { "rpc.system": "grpc", "rpc.service": ManagerService.typeName, "rpc.method": ALLOCATE.name },
};

/** The active span's traceparent as gRPC metadata: each Manager asked gets its own client span as parent. */
function traceMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  injectContext((k, v) => md.set(k, v));
  return md;
}

export class GrpcRoomAllocator implements RoomAllocator {
  private readonly managers: ManagerClients;

  constructor(private readonly o: GrpcRoomAllocatorOptions) {
    this.managers = new ManagerClients({ address: o.managerAddress, credentials: o.credentials });
  }

  /**
   * Asks one Manager after another until one answers. Safe to repeat: the same request (room id
   * and creator) placed by a Manager that then died is recognised, never placed twice.
   */
  async allocateRoom(req: AllocateRoomRequest): Promise<AllocateRoomResponse> {
    const deadline = Date.now() + this.o.timeoutMs;
    try {
      return await this.managers.ask(
        (client) =>
          traced(ALLOCATE_SPAN, CLIENT_SPAN, () => callUnary(client, ALLOCATE, req, { deadline }, traceMetadata())),
        { deadlineMs: deadline, retry: nextManager },
      );
    } catch (e) {
      throw fromGrpc(e as grpc.ServiceError);
    }
  }

  /** Whether a connection to some Manager is up now (asks idle channels to connect, for next time). */
  managerReachable(): boolean {
    return this.managers.clients.some(
      (c) => c.getChannel().getConnectivityState(true) === grpc.connectivityState.READY,
    );
  }

  close() {
    this.managers.close();
  }
}

/**
 * Worth asking another Manager: one that cannot be reached, one that answers that it cannot reach
 * the store, and one that cannot vouch for the Manager holding the servers that fit. After a Redis
 * restart each Manager reconnects on its own backoff (up to REDIS_RECONNECT_MAX_MS) and writes its
 * heartbeat at its next sweep, so for a moment one may still be away while another serves; the
 * Manager holding a server can always place on it. The request is safe to repeat (see
 * allocateRoom) and each Manager is asked at most once.
 */
function nextManager(e: grpc.ServiceError): boolean {
  if (unreachable(e)) return true;
  return (
    e.code === grpc.status.UNAVAILABLE && (e.details.startsWith(STORE_DOWN) || e.details.startsWith(SERVERS_UNREACHED))
  );
}

/** A Manager's status, or grpc-js's own (deadline, unreachable), as the client is told it. */
function fromGrpc(e: grpc.ServiceError): Error {
  return fromManagerStatus(e.code, e.details);
}
