import { randomFillSync } from "node:crypto";

// 128 random bits: unguessable, and far past the 96 the room contract promises.
const ROOM_ID_BYTES = 16;
const PLAYER_ID_BYTES = 12;

export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time: one call into the kernel for 256 room ids
 * rather than one per id (a room costs three such draws: its id, its creator's id and its token's).
 * Each draw is a copy, and no byte is handed out twice.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

export function randomBytesPooled(n: number): Buffer {
  if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at once`);
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  used += n;
  return out;
}

export function newRoomId(): string {
  return randomBytesPooled(ROOM_ID_BYTES).toString("base64url");
}

export function newPlayerId(): string {
  return "p_" + randomBytesPooled(PLAYER_ID_BYTES).toString("base64url");
}

export function isRoomId(value: string): boolean {
  return ROOM_ID_PATTERN.test(value);
}
