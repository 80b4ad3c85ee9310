import { boundedMemo } from "./bounded-memo.js";

test("an answer is computed once while remembered, and the memo never holds more than its bound", () => {
  const computed: string[] = [];
  const upper = boundedMemo(3, (k) => {
    computed.push(k);
    return k.toUpperCase();
  });
  expect([upper("a"), upper("b"), upper("a"), upper("c"), upper("b")]).toEqual(["A", "B", "A", "C", "B"]);
  expect(computed).toEqual(["a", "b", "c"]);
  // A fourth key: the memo starts over, so "a" is computed again afterwards, and "d" is not.
  expect(upper("d")).toBe("D");
  expect(upper("d")).toBe("D");
  expect(upper("a")).toBe("A");
  expect(computed).toEqual(["a", "b", "c", "d", "a"]);
});

test("a bound below one is refused", () => {
  expect(() => boundedMemo(0, (k) => k)).toThrow(RangeError);
  expect(() => boundedMemo(1.5, (k) => k)).toThrow(RangeError);
});
