// The server's record of what one audience (every player of a room, or one player when a
// visibility rule applies) last received, and the diff that turns the room's state into a patch
// against it. Diffing plain objects needs no schema, no proxies and no setters: room code mutates
// its state as it likes and the sync finds what changed once per tick. Each object and array gets
// a numeric id and each key a number the first time it is sent, so a patch names them compactly.
import { describe, isPlainObject, UnsupportedValueError } from "@roomgate/client/protocol/sync/values";
import { FRAME, isBytes, KEY, TAG, type Writer, writeLeaf } from "@roomgate/client/protocol/sync/wire";

type Leaf = null | boolean | number | string | Uint8Array;
class MObj {
  readonly map = new Map<string, MNode>();
  constructor(
    readonly id: number,
    readonly born: number,
  ) {}
}
class MArr {
  readonly items: MNode[] = [];
  constructor(
    readonly id: number,
    readonly born: number,
  ) {}
}
type MNode = Leaf | MObj | MArr;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Adds the key to an error's path as it unwinds, so the message names where the bad value is. */
function at(e: unknown, key: string | number): never {
  if (e instanceof UnsupportedValueError) e.prepend(key);
  throw e;
}

export class Mirror {
  private readonly root = new MObj(0, 0);
  private readonly keys = new Map<string, number>();
  private readonly keyList: string[] = [];
  private nextId = 1;
  private seq = 0;

  /** float32: non-integers go (and are compared) as float32, so a client sees Math.fround of them. */
  constructor(private readonly float32: boolean) {}

  /** Objects and arrays this audience holds, and keys it knows (for tests and stats). */
  get size(): { nodes: number; keys: number } {
    return { nodes: this.nextId, keys: this.keyList.length };
  }

  /**
   * Writes into `w` (reset first) a patch frame taking this audience from what it has to `state`,
   * and records `state` as what it has. Returns false when nothing changed (nothing to send).
   */
  diff(state: unknown, w: Writer): boolean {
    if (!isPlainObject(state))
      throw new UnsupportedValueError("", `${describe(state)} as its root (a plain object is needed)`);
    this.seq++;
    w.reset();
    w.u8(FRAME.patch);
    this.diffObject(state, this.root, w);
    return w.pos > 1;
  }

  /** Writes into `w` (reset first) a full frame of what this audience has: key table, then the tree. */
  full(w: Writer): void {
    w.reset();
    w.u8(FRAME.full);
    w.varint(this.keyList.length);
    for (const k of this.keyList) w.string(k);
    this.writeNode(this.root, w);
  }

  private diffObject(s: Record<string, unknown>, m: MObj, w: Writer): void {
    let open = false;
    let seen = 0;
    for (const k in s) {
      const v = s[k];
      if (v === undefined) continue;
      seen++;
      const old = m.map.get(k);
      if (old !== undefined && this.unchanged(v, old)) continue;
      if (!open) w.varint(m.id);
      open = true;
      this.writeKey(k, w);
      try {
        m.map.set(k, this.build(v, w));
      } catch (e) {
        at(e, k);
      }
    }
    if (m.map.size > seen) {
      for (const k of m.map.keys()) {
        if (s[k] !== undefined && Object.hasOwn(s, k)) continue;
        if (!open) w.varint(m.id);
        open = true;
        this.writeKey(k, w);
        w.u8(TAG.deleted);
        m.map.delete(k);
      }
    }
    if (open) w.varint(KEY.end);
    for (const k in s) this.descend(s[k], m.map.get(k), k, w);
  }

  /** The second pass: into a child container the audience already had (its own changes, its own group). */
  private descend(v: unknown, old: MNode | undefined, key: string | number, w: Writer): void {
    if (!(old instanceof MObj || old instanceof MArr) || old.born === this.seq) return;
    try {
      if (old instanceof MObj) this.diffObject(v as Record<string, unknown>, old, w);
      else this.diffArray(v as unknown[], old, w);
    } catch (e) {
      at(e, key);
    }
  }

  private diffArray(s: unknown[], m: MArr, w: Writer): void {
    let open = false;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const v = s[i] ?? null;
      if (i < m.items.length && this.unchanged(v, m.items[i]!)) continue;
      if (!open) w.varint(m.id);
      open = true;
      w.varint(i + KEY.first);
      try {
        const node = this.build(v, w);
        if (i < m.items.length) m.items[i] = node;
        else m.items.push(node);
      } catch (e) {
        at(e, i);
      }
    }
    if (m.items.length > n) {
      if (!open) w.varint(m.id);
      open = true;
      w.varint(KEY.newOrLength);
      w.varint(n);
      m.items.length = n;
    }
    if (open) w.varint(KEY.end);
    for (let i = 0; i < n; i++) this.descend(s[i], m.items[i], i, w);
  }

  /**
   * True when `v` needs no entry in this node's group: an equal leaf, or a container of the same
   * kind (whose own changes the second pass finds).
   */
  private unchanged(v: unknown, old: MNode): boolean {
    if (old instanceof MObj) return isPlainObject(v);
    if (old instanceof MArr) return Array.isArray(v);
    if (v === old) return true;
    if (typeof v === "number") {
      if (typeof old !== "number") return false;
      if (Number.isNaN(v)) return Number.isNaN(old); // NaN stays NaN: not a change every tick
      return this.float32 && !Number.isInteger(v) && Math.fround(v) === old;
    }
    return isBytes(v) && old instanceof Uint8Array && bytesEqual(v, old);
  }

  private writeKey(k: string, w: Writer): void {
    const n = this.keys.get(k);
    if (n !== undefined) {
      w.varint(n + KEY.first);
      return;
    }
    this.keys.set(k, this.keyList.length);
    this.keyList.push(k);
    w.varint(KEY.newOrLength);
    w.string(k);
  }

  /** Writes a value the audience does not have yet, and returns its record. */
  private build(v: unknown, w: Writer): MNode {
    if (typeof v === "number" && this.float32 && !Number.isInteger(v)) {
      writeLeaf(w, v, true);
      return Math.fround(v);
    }
    if (writeLeaf(w, v, false))
      return v === undefined ? null : isBytes(v) ? Uint8Array.prototype.slice.call(v) : (v as Leaf);
    if (Array.isArray(v)) {
      const node = new MArr(this.nextId++, this.seq);
      w.u8(TAG.array);
      w.varint(node.id);
      w.varint(v.length);
      for (let i = 0; i < v.length; i++) {
        try {
          node.items.push(this.build(v[i], w));
        } catch (e) {
          at(e, i);
        }
      }
      return node;
    }
    if (!isPlainObject(v)) throw new UnsupportedValueError("", describe(v));
    const node = new MObj(this.nextId++, this.seq);
    w.u8(TAG.object);
    w.varint(node.id);
    for (const k in v) {
      if (v[k] === undefined) continue;
      this.writeKey(k, w);
      try {
        node.map.set(k, this.build(v[k], w));
      } catch (e) {
        at(e, k);
      }
    }
    w.varint(KEY.end);
    return node;
  }

  private writeNode(m: MNode, w: Writer): void {
    if (m instanceof MObj) {
      w.u8(TAG.object);
      w.varint(m.id);
      for (const [k, child] of m.map) {
        w.varint(this.keys.get(k)! + KEY.first);
        this.writeNode(child, w);
      }
      w.varint(KEY.end);
    } else if (m instanceof MArr) {
      w.u8(TAG.array);
      w.varint(m.id);
      w.varint(m.items.length);
      for (const child of m.items) this.writeNode(child, w);
    } else {
      writeLeaf(w, m, false);
    }
  }
}
