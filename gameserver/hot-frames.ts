// The frames a game server handles most, by hand: the two ServerFrames it sends most, a room's
// sync frame (once per room per tick) and a relayed message (once per broadcast), and the
// ClientFrame it reads most, a broadcast. Each is exactly what protobuf-es writes or reads for
// the same frame (room-frames.test.ts holds them to it), without a message object and a growing
// writer per frame. Field numbers are room.proto's; proto3 leaves empty fields out.

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

const BROADCAST = (1 << 3) | LEN; // ClientFrame.broadcast
const BROADCAST_PAYLOAD = (1 << 3) | LEN; // Broadcast.payload
const EMPTY = new Uint8Array(0);
/** Where readLength left off. */
let readPos = 0;

/** A varint length at `pos` (at most 4 bytes: under 2^28), or -1; sets readPos after it. */
function readLength(b: Uint8Array, pos: number): number {
  let n = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= b.length) return -1;
    const byte = b[pos++]!;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      readPos = pos;
      return n;
    }
  }
  return -1;
}

/**
 * The payload of a ClientFrame that is a broadcast and nothing else, in the form protobuf writes
 * one (the frame's only field, holding only its payload); undefined for any other frame, which
 * protobuf-es then reads (room-frames.test.ts holds this to it). A view of `frame`, not a copy.
 */
export function broadcastPayload(frame: Uint8Array): Uint8Array | undefined {
  if (frame[0] !== BROADCAST) return undefined;
  const len = readLength(frame, 1);
  if (len < 0 || readPos + len !== frame.length) return undefined;
  if (len === 0) return EMPTY;
  if (frame[readPos] !== BROADCAST_PAYLOAD) return undefined;
  const size = readLength(frame, readPos + 1);
  if (size < 0 || readPos + size !== frame.length) return undefined;
  return frame.subarray(readPos, frame.length);
}
