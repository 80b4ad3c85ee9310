import { create, type DescField, type DescMessage, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";

// Any message of a schema, valid on the wire but hostile in content: strings of any characters
// and length, numbers at their extremes, unknown enum values, nested messages a level or two deep.

const interestingStrings = fc.constantFrom(
  "",
  " ",
  "../../etc/passwd",
  "%00",
  "\u0000",
  "\u202e",
  "é".repeat(64),
  "x".repeat(2049),
  "A".repeat(22),
  "eu",
  "*",
  "{}",
  "🎲",
);

function scalar(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.STRING:
      return fc.oneof(interestingStrings, fc.string({ maxLength: 300, unit: "binary" }));
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 300 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double();
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));
    default:
      return fc.oneof(fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)), fc.integer());
  }
}

function single(f: DescField, kind: "scalar" | "enum" | "message", depth: number): fc.Arbitrary<unknown> {
  if (kind === "enum") return fc.integer({ min: -2, max: 12 });
  if (kind === "message")
    return depth > 0 ? initArbitrary((f as { message: DescMessage }).message, depth - 1) : fc.constant(undefined);
  return scalar((f as { scalar: ScalarType }).scalar);
}

function field(f: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case "list":
      return fc.array(single(f, f.listKind, depth), { maxLength: 5 }).map((a) => a.filter((v) => v !== undefined));
    case "map":
      return fc.dictionary(fc.string({ maxLength: 20 }), single(f, f.mapKind, depth), { maxKeys: 4 });
    default:
      return single(f, f.fieldKind, depth);
  }
}

/** An init object for create(desc, ...), each field present or not. */
function initArbitrary(desc: DescMessage, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields = desc.fields.filter((f) => !f.oneof);
  return fc.record(Object.fromEntries(fields.map((f) => [f.localName, field(f, depth)])), { requiredKeys: [] });
}

export function messageArbitrary<Desc extends DescMessage>(desc: Desc): fc.Arbitrary<MessageShape<Desc>> {
  return initArbitrary(desc, 2).map((init) => create(desc, init as never));
}
