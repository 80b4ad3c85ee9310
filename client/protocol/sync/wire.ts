// The byte layer of room state sync, shared by the room runtime (rooms/) and the SDK: a growable
// writer and a bounds-checked reader for varints, floats and UTF-8, and the tags every value
// starts with. No dependency, so a client in any language can follow docs in a page.

/** The first byte of every server frame of a logic room. */
export const FRAME = {
  /** The whole visible state: the key table, then the root object with its node ids. */
  full: 1,
  /** Changes since the last frame, grouped by node: at most one per player per tick. */
  patch: 2,
  /** A message from the room (ctx.send / ctx.broadcast): one plain value. */
  message: 3,
} as const;

/**
 * Value tags. Integers up to SMALL_INT_MAX fit in the tag byte itself; other integers are varints;
 * non-integers are float32 when that loses nothing (or the room asked for float32), else float64.
 */
export const TAG = {
  /** In a patch entry: the key is gone. Never a value. */
  deleted: 0,
  null: 1,
  false: 2,
  true: 3,
  uint: 4,
  negInt: 5,
  f32: 6,
  f64: 7,
  string: 8,
  bytes: 9,
  object: 10,
  array: 11,
  smallInt: 32,
} as const;
export const SMALL_INT_MAX = 255 - TAG.smallInt;

/** Patch entry keys: 0 ends a node's group; 1 is a new object key (string follows) or an array's new length. */
export const KEY = { end: 0, newOrLength: 1, first: 2 } as const;

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned integer up to 2^53, 7 bits a byte. */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  string(s: string): void {
    // At most 3 bytes per UTF-16 unit; the length prefix is written after encoding.
    this.room(s.length * 3 + 5);
    if (s.length < 43 && this.ascii(s)) return;
    const start = this.pos + (s.length < 43 ? 1 : 5);
    const { written } = utf8.encodeInto(s, this.buf.subarray(start));
    if (s.length < 43) {
      this.buf[this.pos] = written; // < 128: one varint byte
      this.pos = start + written;
      return;
    }
    const body = this.buf.slice(start, start + written);
    this.varint(written);
    this.buf.set(body, this.pos);
    this.pos += written;
  }

  /**
   * A short ASCII string (keys, mostly) byte by byte: no view over the buffer made per string,
   * which costs more than the copy. False, with nothing kept, at the first non-ASCII unit.
   */
  private ascii(s: string): boolean {
    const buf = this.buf;
    const start = this.pos + 1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[start + i] = c;
    }
    buf[this.pos] = s.length;
    this.pos = start + s.length;
    return true;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.byteLength);
    this.room(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }

  /** A copy of what was written (the writer is reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError(`truncated at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new WireError(`varint too long at byte ${this.pos}`);
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    try {
      return utf8Decoder.decode(this.buf.subarray(this.pos, (this.pos += n)));
    } catch {
      throw new WireError(`invalid UTF-8 before byte ${this.pos}`);
    }
  }

  bytes(): Uint8Array {
    const n = this.varint();
    this.need(n);
    return this.buf.slice(this.pos, (this.pos += n));
  }
}

/** Writes a number with the smallest tag that keeps it exactly (or as float32 when asked). */
export function writeNumber(w: Writer, v: number, float32: boolean): void {
  if (Number.isInteger(v) && v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER) {
    if (v >= 0 && v <= SMALL_INT_MAX) {
      w.u8(TAG.smallInt + v);
    } else if (v >= 0) {
      w.u8(TAG.uint);
      w.varint(v);
    } else {
      w.u8(TAG.negInt);
      w.varint(-v - 1);
    }
  } else if (float32 || Math.fround(v) === v || Number.isNaN(v)) {
    w.u8(TAG.f32);
    w.f32(v);
  } else {
    w.u8(TAG.f64);
    w.f64(v);
  }
}

/** A Uint8Array (or Buffer) of any realm. */
export function isBytes(v: unknown): v is Uint8Array {
  // isView first: it is cheap and false for the plain objects every state is full of.
  return (
    v instanceof Uint8Array || (ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === "[object Uint8Array]")
  );
}

/**
 * Writes a value that is not a container (undefined as null); false, writing nothing, for an
 * object or array. `float32`: non-integers as float32.
 */
export function writeLeaf(w: Writer, v: unknown, float32: boolean): boolean {
  switch (typeof v) {
    case "number":
      writeNumber(w, v, float32);
      return true;
    case "string":
      w.u8(TAG.string);
      w.string(v);
      return true;
    case "boolean":
      w.u8(v ? TAG.true : TAG.false);
      return true;
    case "undefined":
      w.u8(TAG.null);
      return true;
  }
  if (v === null) {
    w.u8(TAG.null);
    return true;
  }
  if (isBytes(v)) {
    w.u8(TAG.bytes);
    w.bytes(v);
    return true;
  }
  return false;
}

/** Reads the value of a leaf tag just read; undefined when the tag opens an object or array (or is unknown). */
export function readLeaf(r: Reader, tag: number): null | boolean | number | string | Uint8Array | undefined {
  if (tag >= TAG.smallInt) return tag - TAG.smallInt;
  switch (tag) {
    case TAG.uint:
      return r.varint();
    case TAG.negInt:
      return -r.varint() - 1;
    case TAG.f32:
      return r.f32();
    case TAG.f64:
      return r.f64();
    case TAG.null:
      return null;
    case TAG.false:
      return false;
    case TAG.true:
      return true;
    case TAG.string:
      return r.string();
    case TAG.bytes:
      return r.bytes();
    default:
      return undefined;
  }
}
