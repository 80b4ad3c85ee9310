import fc from "fast-check";
import { applyServerFrame, createStateReplica } from "./replica.js";
import { decodeValue, encodeValue } from "./values.js";
import { WireError } from "./wire.js";

describe("plain values on the wire", () => {
  test("whatever JSON holds, and bytes, comes back the same", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 8 }), (v, b) => {
        const value = { v, b };
        expect(decodeValue(encodeValue(value))).toEqual({ v: normal(v), b });
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  test("small numbers are small: an integer under 224 is one byte, a float32 five", () => {
    expect(encodeValue(7).byteLength).toBe(1);
    expect(encodeValue(-1).byteLength).toBe(2);
    expect(encodeValue(0.5).byteLength).toBe(5);
    expect(encodeValue(0.1).byteLength).toBe(9);
  });

  test("hostile bytes are a WireError, never anything else, and never a crash", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeValue(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
        try {
          applyServerFrame(createStateReplica(), bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  test("nesting and sizes are bounded; keys like __proto__ stay data", () => {
    let deep = new Uint8Array(0);
    for (let i = 0; i < 100; i++) deep = new Uint8Array([11, 1, ...deep, ...(i === 0 ? [1] : [])]);
    expect(() => decodeValue(deep)).toThrow("nested deeper than 32");
    expect(() => decodeValue(new Uint8Array([11, 0xff, 0xff, 0xff, 0x7f]))).toThrow("more than 65536");
    const evil = decodeValue(encodeValue(JSON.parse('{"__proto__": {"admin": true}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(evil)).toBe(Object.prototype);
    expect(Object.keys(evil)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

/** What JSON values become on this wire: -0 is 0 (an integer), like JSON. */
function normal(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}
