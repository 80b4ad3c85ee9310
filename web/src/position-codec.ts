// Positions travel as 5 bytes: a kind byte (so the format can grow, and stray payloads from other
// clients of the room are ignored) and x, y as big-endian uint16 in arena units.

export const ARENA_SIZE = 1000;

export interface Pos {
  x: number;
  y: number;
}

const KIND_POSITION = 1;
const LENGTH = 5;

export function encodePosition(p: Pos): Uint8Array {
  const b = new Uint8Array(LENGTH);
  const v = new DataView(b.buffer);
  v.setUint8(0, KIND_POSITION);
  v.setUint16(1, clampUnit(p.x));
  v.setUint16(3, clampUnit(p.y));
  return b;
}

/** The position in a payload, or undefined when the payload is not one of ours. */
export function decodePosition(b: Uint8Array): Pos | undefined {
  if (b.byteLength !== LENGTH || b[0] !== KIND_POSITION) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const x = v.getUint16(1);
  const y = v.getUint16(3);
  if (x > ARENA_SIZE || y > ARENA_SIZE) return undefined;
  return { x, y };
}

function clampUnit(n: number): number {
  return Math.min(ARENA_SIZE, Math.max(0, Math.round(n)));
}
