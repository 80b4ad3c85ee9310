import { isIP } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  type AllocateRoomRequest,
  type AllocateRoomResponse,
  AllocateRoomResponseSchema,
  type AttachRequest,
  type AttachResponse,
  type ListServersRequest,
  type ListServersResponse,
  ListServersResponseSchema,
  type DrainServerRequest,
  type DrainServerResponse,
  DrainServerResponseSchema,
} from "../gen/roomgate/v1/manager_pb.js";
import type { Logger } from "../common/log.js";
import { ManagerError } from "./errors.js";
import { ALLOCATION_ERROR_CODES } from "../common/allocation-errors.js";
import { MANAGER_ERROR_KEY } from "../common/manager-channel.js";
import type { Manager } from "./manager.js";
import { extractContext, SpanKind, traced } from "../common/tracing/spans.js";

// The gRPC edge: decode, call the core, map errors to status codes. No logic lives here.

function toStatus(e: unknown, log: Logger): Partial<grpc.StatusObject> {
  if (e instanceof ManagerError) {
    // Marks the answer as the Manager's own, so a Gateway tells "no server" from "no Manager".
    const metadata = new grpc.Metadata();
    metadata.set(MANAGER_ERROR_KEY, e.kind);
    // gRPC's and Connect's status codes are the same numbers.
    return { code: ALLOCATION_ERROR_CODES[e.kind] as number as grpc.status, details: e.message, metadata };
  }
  log.error("unexpected error", { error: String(e) });
  return { code: grpc.status.INTERNAL, details: "internal error" };
}

/** A server span's options: child of the caller's traceparent metadata (gateway/manager-client.ts). */
function serverSpan(metadata: grpc.Metadata, method: string) {
  return {
    kind: SpanKind.SERVER,
    parent: extractContext((k) => {
      const v = metadata.get(k)[0];
      return typeof v === "string" ? v : undefined;
    }),
    attributes: { "rpc.system": "grpc", "rpc.service": "roomgate.v1.ManagerService", "rpc.method": method },
  };
}

export function managerHandlers(manager: Manager, log: Logger): grpc.UntypedServiceImplementation {
  const allocateRoom: grpc.handleUnaryCall<AllocateRoomRequest, AllocateRoomResponse> = (call, callback) => {
    traced("roomgate.v1.ManagerService/AllocateRoom", serverSpan(call.metadata, "AllocateRoom"), () =>
      manager.allocate(call.request),
    ).then(
      (r) => callback(null, create(AllocateRoomResponseSchema, r)),
      (e) => callback(toStatus(e, log)),
    );
  };

  const listServers: grpc.handleUnaryCall<ListServersRequest, ListServersResponse> = (_call, callback) => {
    manager.listServers().then(
      (servers) => callback(null, create(ListServersResponseSchema, { servers })),
      (e) => callback(toStatus(e, log)),
    );
  };

  const attach: grpc.handleBidiStreamingCall<AttachRequest, AttachResponse> = (call) => {
    let open = true;
    const handler = manager.attach({
      peerHost: peerHostOf(call.getPeer()),
      send: (msg) => {
        if (open) call.write(msg);
      },
      close: (reason) => {
        if (!open) return;
        open = false;
        call.emit("error", { code: grpc.status.ABORTED, details: reason });
      },
    });
    const ended = () => {
      handler.onEnd();
      if (open) {
        open = false;
        call.end();
      }
    };
    call.on("data", (msg: AttachRequest) => handler.onMessage(msg));
    call.on("end", ended);
    call.on("error", ended);
    call.on("cancelled", ended);
    call.on("close", ended);
  };

  const drainServer: grpc.handleUnaryCall<DrainServerRequest, DrainServerResponse> = (call, callback) => {
    manager.drain(call.request.serverId).then(
      (server) => callback(null, create(DrainServerResponseSchema, { server })),
      (e) => callback(toStatus(e, log)),
    );
  };

  return { allocateRoom, listServers, attach, drainServer };
}

/**
 * The IP address in grpc-js's peer string: "10.0.0.7:51234", "::ffff:10.0.0.7:51234" or, from
 * other transports, "ipv4:10.0.0.7:51234" and "ipv6:[::1]:51234"; undefined when it holds none.
 */
export function peerHostOf(peer: string): string | undefined {
  const s = peer.replace(/^ipv[46]:/, "");
  const colon = s.lastIndexOf(":");
  const host = (colon > 0 ? s.slice(0, colon) : s).replace(/^\[(.*)\]$/, "$1");
  return isIP(host) ? host : undefined;
}
