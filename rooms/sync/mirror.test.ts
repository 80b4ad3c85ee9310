import fc from "fast-check";
import { applyServerFrame, createStateReplica } from "@roomgate/client/protocol/sync/replica";
import { FRAME, Writer } from "@roomgate/client/protocol/sync/wire";
import { Mirror } from "./mirror.js";

// JSON-like trees with the shapes room state has: nested objects and arrays, every leaf kind.
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.uint8Array({ maxLength: 4 }),
);
const key = fc.constantFrom("a", "b", "c", "x", "y", "__proto__", "constructor", "é");
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("tree"), { maxLength: 4 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }),
  ),
}));
const state = fc.dictionary(key, tree, { maxKeys: 5 });

/** Plain copy: what the client should hold (and a snapshot of the state at that moment). */
const copy = (v: unknown): unknown => structuredClone(v);

function patchOrNothing(m: Mirror, s: unknown, w: Writer): Uint8Array | undefined {
  return m.diff(s, w) ? w.finish() : undefined;
}

describe("Mirror diff and the client applier", () => {
  test("a client that joined at any step and applied every patch after holds exactly the state", () => {
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 8 }), fc.nat(7), (states, joinAt) => {
        const m = new Mirror(false);
        const w = new Writer(16);
        const client = createStateReplica();
        joinAt = joinAt % states.length;
        states.forEach((s, i) => {
          const patch = patchOrNothing(m, s, w);
          if (i === joinAt) {
            m.full(w);
            applyServerFrame(client, w.finish());
          } else if (i > joinAt && patch) {
            applyServerFrame(client, patch);
          }
          if (i >= joinAt) expect(client.state).toEqual(copy(s));
        });
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  test("the same state again sends nothing", () => {
    fc.assert(
      fc.property(state, (s) => {
        const m = new Mirror(false);
        const w = new Writer();
        m.diff(s, w);
        expect(m.diff(copy(s), w)).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test("in-place mutation is found; one moved coordinate costs a few bytes", () => {
    const s = { dots: { ann: { x: 1.5, y: 2 }, bob: { x: 3, y: 4 } } };
    const m = new Mirror(false);
    const w = new Writer();
    m.diff(s, w);
    s.dots.ann.x = 2.5;
    expect(m.diff(s, w)).toBe(true);
    const patch = w.finish();
    expect(patch[0]).toBe(FRAME.patch);
    // node id, key number, f32 tag + 4 bytes, end of group
    expect(patch.byteLength).toBe(1 + 1 + 1 + 5 + 1);
  });

  test("float32 precision: clients get Math.fround, and a change below it sends nothing", () => {
    const s = { p: { x: 0.1 } };
    const m = new Mirror(true);
    const w = new Writer();
    m.diff(s, w);
    m.full(w);
    const client = createStateReplica<typeof s>();
    applyServerFrame(client, w.finish());
    expect(client.state!.p.x).toBe(Math.fround(0.1));
    s.p.x = 0.1 + 1e-12;
    expect(m.diff(s, w)).toBe(false);
  });

  test("arrays shrink and grow; NaN stays quiet", () => {
    const s: { a: number[]; n: number } = { a: [1, 2, 3], n: Number.NaN };
    const m = new Mirror(false);
    const w = new Writer();
    const client = createStateReplica();
    m.diff(s, w);
    m.full(w);
    applyServerFrame(client, w.finish());
    s.a.length = 1;
    applyServerFrame(client, patchOrNothing(m, s, w)!);
    s.a.push(7, 8);
    applyServerFrame(client, patchOrNothing(m, s, w)!);
    expect(client.state).toEqual({ a: [1, 7, 8], n: Number.NaN });
    expect(m.diff(s, w)).toBe(false);
  });

  test("a value that cannot be sent is named by its path", () => {
    const m = new Mirror(false);
    expect(() => m.diff({ players: { ann: { seen: new Map() } } }, new Writer())).toThrow(
      "/players/ann/seen holds a Map: use plain objects",
    );
    expect(() => new Mirror(false).diff([1], new Writer())).toThrow("(root) holds a Array as its root");
  });
});
