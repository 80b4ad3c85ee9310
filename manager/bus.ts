import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type AttachResponse, type ManagerBusMessage, ManagerBusMessageSchema } from "../gen/roomgate/v1/manager_pb.js";

// What Managers tell each other through the store. A game server's stream lives on one Manager,
// but any Manager may place a room on it, move a room to it or drain it.

export const commandFor = (serverId: string, command: AttachResponse) =>
  toBinary(
    ManagerBusMessageSchema,
    create(ManagerBusMessageSchema, { msg: { case: "command", value: { serverId, command } } }),
  );

export const ackOf = (roomId: string, serverId: string, error = "") =>
  toBinary(
    ManagerBusMessageSchema,
    create(ManagerBusMessageSchema, { msg: { case: "ack", value: { roomId, serverId, error } } }),
  );

/** Undefined for bytes that are not ours; a shared Redis may carry anything. */
export function readBus(bytes: Uint8Array): ManagerBusMessage | undefined {
  try {
    return fromBinary(ManagerBusMessageSchema, bytes);
  } catch {
    return undefined;
  }
}
