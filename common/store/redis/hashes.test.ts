import { createHash } from "node:crypto";
import { shortHash } from "./hashes.js";

// shortHash names Redis keys: remembered or not, a value's hash is always the same one.

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex").slice(0, 16);

test("a value's short hash is its SHA-1 prefix, the first time and every time after", () => {
  expect(shortHash("mode|4|{}")).toBe(sha1("mode|4|{}"));
  expect(shortHash("mode|4|{}")).toBe(sha1("mode|4|{}"));
});

test("more distinct values than it remembers still hash right", () => {
  for (let i = 0; i < 3000; i++) expect(shortHash(`labels-${i}`)).toBe(sha1(`labels-${i}`));
  expect(shortHash("labels-7")).toBe(sha1("labels-7"));
});
