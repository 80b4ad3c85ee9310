import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RE2JS } from "@bufbuild/re2";
import fc from "fast-check";
import { nativeMatch } from "./validation.js";

// The validator matches our .proto files' patterns with the platform's RegExp instead of
// protovalidate's RE2 engine (validation.ts): for every pattern in them, both must agree.

const PROTO_DIR = join(__dirname, "..", "proto", "roomgate", "v1");

/** Every regex our rules name: `pattern:` options and the CEL `matches('...')` of predefined rules. */
function patterns(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(PROTO_DIR).filter((f) => f.endsWith(".proto"))) {
    const text = readFileSync(join(PROTO_DIR, file), "utf8");
    for (const m of text.matchAll(/pattern:\s*"((?:[^"\\]|\\.)*)"/g)) found.add(JSON.parse(`"${m[1]}"`));
    for (const m of text.matchAll(/matches\('((?:[^'\\]|\\.)*)'\)/g)) found.add(m[1]!);
  }
  return [...found];
}

test("each pattern of our rules matches the same strings with RegExp as with RE2", () => {
  const all = patterns();
  expect(all.length).toBeGreaterThanOrEqual(6);
  for (const pattern of all) {
    const re2 = RE2JS.compile(pattern);
    // Strings near the patterns (their alphabet, lengths around their bounds) and anything at all.
    const near = fc.stringMatching(new RegExp(pattern, "u")).map((s) => s);
    const edited = fc
      .tuple(near, fc.string({ maxLength: 3 }), fc.nat(80))
      .map(([s, x, i]) => s.slice(0, i) + x + s.slice(i));
    const any = fc.string({ unit: "binary", maxLength: 140 });
    fc.assert(
      fc.property(fc.oneof(near, edited, any), (s) => nativeMatch(pattern, s) === re2.test(s)),
      { numRuns: 300 },
    );
  }
});
