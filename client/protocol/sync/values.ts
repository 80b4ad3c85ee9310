// Plain values on the wire: what a player sends a room, what a room sends a player (ctx.send),
// and what a snapshot holds. JSON's shapes plus byte arrays, without JSON's text: objects,
// arrays, strings, numbers, booleans, null and Uint8Array. Decoding is bounded, because the
// bytes may come from a hostile client.
import { isBytes, Reader, readLeaf, TAG, WireError, Writer, writeLeaf } from "./wire.js";

export { isBytes };

/** What can cross the wire. `undefined` in an object means the key is absent, in an array null. */
export type WireValue = null | boolean | number | string | Uint8Array | WireValue[] | { [key: string]: WireValue };

export interface DecodeLimits {
  /** Nesting deeper than this is refused (a stack is finite). */
  maxDepth: number;
  /** Entries of one object or array beyond this are refused. */
  maxEntries: number;
}
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxDepth: 32, maxEntries: 65_536 };

/** An object literal (of any realm: a vm context's or a worker's too), not a class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Why a value cannot be sent: names the key path and the type found there. */
export class UnsupportedValueError extends Error {
  constructor(
    /** Where, as /key/key. */
    public path: string,
    private readonly found: string,
  ) {
    super();
    this.name = "UnsupportedValueError";
    this.message = this.text();
  }

  /** Callers that know the key above the path add it as the error unwinds. */
  prepend(key: string | number): void {
    this.path = `/${key}${this.path}`;
    this.message = this.text();
  }

  private text(): string {
    return `${this.path || "(root)"} holds ${this.found}: use plain objects, arrays, strings, numbers, booleans, null or Uint8Array`;
  }
}

export function describe(v: unknown): string {
  if (typeof v === "object" && v !== null) return `a ${v.constructor?.name ?? "null-prototype object"}`;
  return `a ${typeof v}`;
}

export function writeValue(w: Writer, v: unknown): void {
  if (writeLeaf(w, v, false)) return;
  if (Array.isArray(v)) {
    w.u8(TAG.array);
    w.varint(v.length);
    for (let i = 0; i < v.length; i++) writeEntry(w, v[i], i);
  } else if (isPlainObject(v)) {
    let n = 0;
    for (const k in v) if (v[k] !== undefined) n++;
    w.u8(TAG.object);
    w.varint(n);
    for (const k in v) {
      if (v[k] === undefined) continue;
      w.string(k);
      writeEntry(w, v[k], k);
    }
  } else {
    throw new UnsupportedValueError("", describe(v));
  }
}

/** The path of a value that cannot be sent is put together as the error unwinds: nothing is built on the way down. */
function writeEntry(w: Writer, v: unknown, key: string | number): void {
  try {
    writeValue(w, v);
  } catch (e) {
    if (e instanceof UnsupportedValueError) e.prepend(key);
    throw e;
  }
}

/**
 * Encodes with one writer kept for the purpose: a fresh one per value (and its growth from a few
 * bytes) cost more than the encoding of a room's snapshot. A getter that encodes while a value is
 * being encoded gets a writer of its own.
 */
const kept = new Writer(1024);
let keptBusy = false;

export function encodeWith(write: (w: Writer) => void): Uint8Array {
  if (keptBusy) {
    const w = new Writer(256);
    write(w);
    return w.finish();
  }
  keptBusy = true;
  try {
    kept.reset();
    write(kept);
    return kept.finish();
  } finally {
    keptBusy = false;
  }
}

export function encodeValue(v: unknown): Uint8Array {
  return encodeWith((w) => writeValue(w, v));
}

export function readValue(r: Reader, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, depth = 0): WireValue {
  const tag = r.u8();
  const leaf = readLeaf(r, tag);
  if (leaf !== undefined) return leaf;
  if (tag !== TAG.array && tag !== TAG.object) throw new WireError(`unknown value tag ${tag}`);
  if (depth >= limits.maxDepth) throw new WireError(`nested deeper than ${limits.maxDepth}`);
  const count = r.varint();
  if (count > limits.maxEntries) throw new WireError(`${count} entries, more than ${limits.maxEntries}`);
  if (tag === TAG.array) {
    const out: WireValue[] = [];
    for (let i = 0; i < count; i++) out.push(readValue(r, limits, depth + 1));
    return out;
  }
  // Keys like "__proto__" must stay data: a null-prototype object would surprise room code, so
  // such keys are defined as own properties instead of assigned.
  const out: Record<string, WireValue> = {};
  for (let i = 0; i < count; i++) {
    const k = r.string();
    const v = readValue(r, limits, depth + 1);
    if (k === "__proto__")
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** One whole value; trailing bytes are an error. Throws WireError on anything malformed. */
export function decodeValue(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): WireValue {
  const r = new Reader(bytes);
  const v = readValue(r, limits);
  if (!r.done) throw new WireError(`${bytes.byteLength - r.pos} bytes after the value`);
  return v;
}
