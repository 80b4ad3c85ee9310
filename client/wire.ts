import type { JoinRoomResponse } from "./gen/roomgate/v1/gateway_pb.js";
import { CLOSE } from "./protocol/close-codes.js";

// The SDK's side of the room protocol (proto/roomgate/v1/room.proto): what a ticket holds and
// which closes end a room for good. Frames: frames.ts; URLs and close codes: protocol/.

/** What CreateRoom and JoinRoom both hand out: where to connect, and as whom. */
export type Ticket = Pick<
  JoinRoomResponse,
  "roomId" | "serverAddress" | "joinToken" | "playerId" | "serverId" | "region"
>;

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
