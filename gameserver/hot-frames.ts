// The two ServerFrames a game server sends most, written by hand: a room's sync frame (once per
// room per tick) and a relayed message (once per broadcast). Each is exactly what protobuf-es
// writes for the same frame (room-frames.test.ts holds them to it), without a message object and
// a growing writer per frame. Field numbers are room.proto's; proto3 leaves empty fields out.

const LEN = 2; // wire type: length-delimited
const SYNC = (8 << 3) | LEN; // ServerFrame.sync
const MESSAGE = (4 << 3) | LEN; // ServerFrame.message
const FROM = (1 << 3) | LEN; // Message.from_player_id
const PAYLOAD = (2 << 3) | LEN; // Message.payload

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n >>>= 7;
    bytes++;
  }
  return bytes;
}

function putVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}

/** Tag, length and bytes of one length-delimited field; `pos` after it. */
function putField(out: Uint8Array, pos: number, tag: number, bytes: Uint8Array): number {
  out[pos] = tag;
  pos = putVarint(out, pos + 1, bytes.byteLength);
  out.set(bytes, pos);
  return pos + bytes.byteLength;
}

const fieldBytes = (b: Uint8Array) => (b.byteLength === 0 ? 0 : 1 + varintBytes(b.byteLength) + b.byteLength);

/** ServerFrame { sync: frame } */
export function encodeSync(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintBytes(frame.byteLength) + frame.byteLength);
  putField(out, 0, SYNC, frame);
  return out;
}

const utf8 = new TextEncoder();

/** ServerFrame { message: { from_player_id, payload } } */
export function encodeRelayed(fromPlayerId: string, payload: Uint8Array): Uint8Array {
  const from = utf8.encode(fromPlayerId);
  const inner = fieldBytes(from) + fieldBytes(payload);
  const out = new Uint8Array(1 + varintBytes(inner) + inner);
  out[0] = MESSAGE;
  let pos = putVarint(out, 1, inner);
  if (from.byteLength > 0) pos = putField(out, pos, FROM, from);
  if (payload.byteLength > 0) putField(out, pos, PAYLOAD, payload);
  return out;
}
