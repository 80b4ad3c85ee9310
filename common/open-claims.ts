import { create, toBinary } from "@bufbuild/protobuf";
import type { Room } from "../gen/roomgate/v1/common_pb.js";
import { type RoomOpenClaims, RoomOpenClaimsSchema } from "../gen/roomgate/v1/room_pb.js";
import { isRelay, roomTypeOf } from "./room-type.js";

// A room opened by its first join token: the token carries what open_room would have said
// (RoomOpenClaims in room.proto). The Manager decides which rooms may open so (their claims stay
// small enough for a token), the Gateway writes the claims into every token of a room still
// OPENING, and the game server opens the room from the first one that arrives.

/**
 * Largest metadata (encoded, bytes) a logic room's tokens carry; a room with more is opened with
 * open_room as before. Tokens travel in URLs and Sec-WebSocket-Protocol (MAX_TOKEN_CHARS), and a
 * player's identity claims need their share of that.
 */
export const MAX_OPEN_METADATA_BYTES = 512;

/** Only a logic room reads its metadata (onCreate); a relay room's tokens carry none. */
function openMetadata(labels: Readonly<Record<string, string>>, metadata: Readonly<Record<string, string>>) {
  return isRelay(roomTypeOf(labels)) ? {} : metadata;
}

/** Whether a new room with these labels and metadata may be opened by its first join token. */
export function fitsInToken(labels: Readonly<Record<string, string>>, metadata: Readonly<Record<string, string>>) {
  const carried = openMetadata(labels, metadata);
  if (Object.keys(carried).length === 0) return true;
  return (
    toBinary(RoomOpenClaimsSchema, create(RoomOpenClaimsSchema, { metadata: carried })).byteLength <=
    MAX_OPEN_METADATA_BYTES
  );
}

/** The claims that open `room` on its server; no token opens it after openUntilMs. */
export function openClaimsOf(room: Room, openUntilMs: number): RoomOpenClaims {
  const type = roomTypeOf(room.labels);
  return create(RoomOpenClaimsSchema, {
    maxPlayers: room.maxPlayers,
    roomType: isRelay(type) ? "" : type,
    metadata: openMetadata(room.labels, room.metadata),
    openUntilMs: BigInt(openUntilMs),
  });
}
