import { randomBytes } from "node:crypto";

// 128 random bits: unguessable, and far past the 96 the room contract promises.
const ROOM_ID_BYTES = 16;
const PLAYER_ID_BYTES = 12;

export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newRoomId(): string {
  return randomBytes(ROOM_ID_BYTES).toString("base64url");
}

export function newPlayerId(): string {
  return "p_" + randomBytes(PLAYER_ID_BYTES).toString("base64url");
}

export function isRoomId(value: string): boolean {
  return ROOM_ID_PATTERN.test(value);
}
