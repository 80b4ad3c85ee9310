// The client's copy of a room's state: applies the frames a logic room sends (protocol/sync/wire.ts
// FRAME) to plain objects. No I/O and no server code, so the SDK, a bot or a test can use it.
//
// A full frame carries the key table and the state with a numeric id on every object and array;
// a patch names a node by id and lists its changed keys, so a move of one dot costs its id, two
// key numbers and two numbers, not a path of strings.
import { DEFAULT_DECODE_LIMITS, readValue, type WireValue } from "./values.js";
import { FRAME, KEY, Reader, readLeaf, TAG, WireError } from "./wire.js";

export interface StateReplica<S = unknown> {
  /** The state as this player may see it; undefined until the first full frame. */
  state: S | undefined;
  /** Object keys by number, as the server numbered them for this connection. */
  readonly keys: string[];
  /** Every object and array of the state by its id. */
  readonly nodes: Map<number, object>;
  readonly ids: WeakMap<object, number>;
}

export type AppliedFrame = { kind: "full" } | { kind: "patch" } | { kind: "message"; message: WireValue };

export function createStateReplica<S = unknown>(): StateReplica<S> {
  return { state: undefined, keys: [], nodes: new Map(), ids: new WeakMap() };
}

/** Applies one server frame to the replica (full, patch) or decodes it (message). Throws WireError when malformed. */
export function applyServerFrame<S>(replica: StateReplica<S>, bytes: Uint8Array): AppliedFrame {
  const r = new Reader(bytes);
  const kind = r.u8();
  if (kind === FRAME.message) {
    const message = readValue(r, DEFAULT_DECODE_LIMITS);
    if (!r.done) throw new WireError("bytes after the message");
    return { kind: "message", message };
  }
  if (kind === FRAME.full) {
    replica.keys.length = 0;
    replica.nodes.clear();
    const n = r.varint();
    for (let i = 0; i < n; i++) replica.keys.push(r.string());
    const root = readTree(replica, r, 0);
    if (!r.done) throw new WireError("bytes after the state");
    replica.state = root as S;
    return { kind: "full" };
  }
  if (kind !== FRAME.patch) throw new WireError(`unknown frame ${kind}`);
  if (replica.state === undefined) throw new WireError("a patch before the full state");
  while (!r.done) applyGroup(replica, r);
  return { kind: "patch" };
}

const MAX_DEPTH = 64;

function readTree(replica: StateReplica<unknown>, r: Reader, depth: number): unknown {
  const tag = r.u8();
  const leaf = readLeaf(r, tag);
  if (leaf !== undefined) return leaf;
  if (depth >= MAX_DEPTH) throw new WireError(`state nested deeper than ${MAX_DEPTH}`);
  if (tag === TAG.array) {
    const arr: unknown[] = [];
    register(replica, r.varint(), arr);
    const len = r.varint();
    for (let i = 0; i < len; i++) arr.push(readTree(replica, r, depth + 1));
    return arr;
  }
  if (tag !== TAG.object) throw new WireError(`unknown value tag ${tag}`);
  const obj: Record<string, unknown> = {};
  register(replica, r.varint(), obj);
  for (;;) {
    const key = readKey(replica, r);
    if (key === undefined) return obj;
    setOwn(obj, key, readTree(replica, r, depth + 1));
  }
}

function register(replica: StateReplica<unknown>, id: number, node: object): void {
  replica.nodes.set(id, node);
  replica.ids.set(node, id);
}

/** Forgets the ids of a subtree that left the state. */
function unregister(replica: StateReplica<unknown>, v: unknown): void {
  if (typeof v !== "object" || v === null || v instanceof Uint8Array) return;
  const id = replica.ids.get(v);
  if (id !== undefined && replica.nodes.get(id) === v) replica.nodes.delete(id);
  for (const child of Object.values(v)) unregister(replica, child);
}

/** An object key: undefined at the end of the group. */
function readKey(replica: StateReplica<unknown>, r: Reader): string | undefined {
  const ref = r.varint();
  if (ref === KEY.end) return undefined;
  if (ref === KEY.newOrLength) {
    const k = r.string();
    replica.keys.push(k);
    return k;
  }
  const k = replica.keys[ref - KEY.first];
  if (k === undefined) throw new WireError(`unknown key number ${ref - KEY.first}`);
  return k;
}

/** Assigning "__proto__" would set the prototype; it is data here, like any key. */
function setOwn(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

function applyGroup(replica: StateReplica<unknown>, r: Reader): void {
  const id = r.varint();
  const node = replica.nodes.get(id);
  if (node === undefined) throw new WireError(`patch for unknown node ${id}`);
  if (Array.isArray(node)) {
    for (;;) {
      const ref = r.varint();
      if (ref === KEY.end) return;
      if (ref === KEY.newOrLength) {
        const len = r.varint();
        for (let i = len; i < node.length; i++) unregister(replica, node[i]);
        node.length = len;
        continue;
      }
      const i = ref - KEY.first;
      if (i > node.length) throw new WireError(`array index ${i} past the end (${node.length})`);
      const tag = r.u8();
      if (tag === TAG.deleted) throw new WireError("delete in an array");
      r.pos--;
      unregister(replica, node[i]);
      node[i] = readTree(replica, r, 1);
    }
  }
  const obj = node as Record<string, unknown>;
  for (;;) {
    const key = readKey(replica, r);
    if (key === undefined) return;
    if (r.u8() === TAG.deleted) {
      unregister(replica, obj[key]);
      delete obj[key];
      continue;
    }
    r.pos--;
    unregister(replica, obj[key]);
    setOwn(obj, key, readTree(replica, r, 1));
  }
}
