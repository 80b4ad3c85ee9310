import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import type { JoinRoomResponse } from "./gen/roomgate/v1/gateway_pb.js";
import { ClientFrameSchema, type ServerFrame, ServerFrameSchema } from "./gen/roomgate/v1/room_pb.js";
import { CLOSE } from "./protocol/close-codes.js";

// The SDK's side of the room protocol (proto/roomgate/v1/room.proto): what a ticket holds, frames
// in and out, and which closes end a room for good. URLs and close codes: protocol/.

/** What CreateRoom and JoinRoom both hand out: where to connect, and as whom. */
export type Ticket = Pick<
  JoinRoomResponse,
  "roomId" | "serverAddress" | "joinToken" | "playerId" | "serverId" | "region"
>;

export type ClientFrameInit = MessageInitShape<typeof ClientFrameSchema>["frame"];

export function encodeClientFrame(frame: ClientFrameInit): Uint8Array {
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, { frame }));
}

export function decodeServerFrame(data: Uint8Array): ServerFrame {
  return fromBinary(ServerFrameSchema, data);
}

/**
 * Closes that another connection would only repeat: a normal close, our own frames breaking the
 * rules (policy, too big), or this seat taken over elsewhere. Anything else (server shutting
 * down, room closed, network loss) is worth asking the Gateway again.
 */
const FINAL_CLOSES: ReadonlySet<number> = new Set([
  CLOSE.normal,
  CLOSE.policyViolation,
  CLOSE.tooBig,
  CLOSE.replaced,
  CLOSE.refused,
]);

export function isFinalClose(code: number): boolean {
  return FINAL_CLOSES.has(code);
}
