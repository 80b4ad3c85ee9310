import { create, type DescField, type DescMessage, getExtension, hasExtension } from "@bufbuild/protobuf";
import * as rules from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { violationsOf } from "../common/validation.js";
import { file_roomgate_v1_gateway } from "../gen/roomgate/v1/gateway_pb.js";

// The Gateway's optional text fields skip their rules when empty (gateway.proto,
// IGNORE_IF_ZERO_VALUE), which must change no verdict: none of them may carry a rule that refuses
// the empty string, and a bad value that is not empty is still refused.

const BAD = ["not a name!", "\u0007bell", "x".repeat(300)];

function skipping(): [DescMessage, DescField][] {
  const out: [DescMessage, DescField][] = [];
  for (const message of file_roomgate_v1_gateway.messages)
    for (const f of message.fields) {
      if (!f.proto.options || !hasExtension(f.proto.options, rules.field)) continue;
      if (getExtension(f.proto.options, rules.field).ignore === rules.Ignore.IF_ZERO_VALUE) out.push([message, f]);
    }
  return out;
}

test("each optional text field that skips its rules when empty refuses nothing for being empty", () => {
  const fields = skipping();
  expect(fields.map(([m, f]) => `${m.name}.${f.name}`)).toEqual(
    expect.arrayContaining([
      "CreateRoomRequest.region",
      "CreateRoomRequest.player_name",
      "JoinRoomRequest.player_name",
    ]),
  );
  for (const [, f] of fields) {
    const r = getExtension(f.proto.options!, rules.field);
    expect({ field: f.name, kind: f.fieldKind, scalar: r.type.case }).toEqual({
      field: f.name,
      kind: "scalar",
      scalar: "string",
    });
    const s = r.type.value as rules.StringRules;
    // The only string rules that refuse "" outright; a pattern must match it.
    expect({ field: f.name, required: r.required, minLen: s.minLen ?? 0n, len: s.len ?? 0n }).toEqual({
      field: f.name,
      required: false,
      minLen: 0n,
      len: 0n,
    });
    if (s.pattern !== undefined) expect(new RegExp(s.pattern, "u").test("")).toBe(true);
  }
});

test("a bad value in such a field is still refused", () => {
  for (const [message, f] of skipping()) {
    const refused = BAD.filter(
      (bad) => violationsOf(message, create(message, { [f.localName]: bad } as never)).length > 0,
    );
    expect({ field: `${message.name}.${f.name}`, refusedSome: refused.length > 0 }).toEqual({
      field: `${message.name}.${f.name}`,
      refusedSome: true,
    });
  }
});
