import { ErrorCode } from "./gen/roomgate/v1/room_pb.js";
import { CLOSE } from "./protocol/close-codes.js";

/** An Error frame from the game server, with the protocol's code kept for programs to branch on. */
export class RoomServerError extends Error {
  override readonly name = "RoomServerError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${ErrorCode[code] ?? code}: ${message}`);
  }
}

const CLOSE_MEANING: Record<number, string> = {
  [CLOSE.policyViolation]: "closed by the server for breaking its rules",
  [CLOSE.tooBig]: "closed by the server: frame too big",
  [CLOSE.replaced]: "replaced: this player joined again from another connection",
  [CLOSE.refused]: "refused by the room",
};

/** Why the server ended a connection for good; undefined for a plain normal close. */
export function finalCloseError(roomId: string, code: number, reason: string): Error | undefined {
  const meaning = CLOSE_MEANING[code];
  if (!meaning) return undefined;
  return new Error(`room ${roomId}: ${meaning} (${code}${reason ? ` ${reason}` : ""})`);
}

/** A room of a logic type turned this player away (its onJoin refused, or it is full); `reason` is the room's. */
export class RoomRefusedError extends Error {
  override readonly name = "RoomRefusedError";
  constructor(
    readonly roomId: string,
    readonly reason: string,
  ) {
    super(`room ${roomId} refused to seat this player: ${reason}`);
  }
}
